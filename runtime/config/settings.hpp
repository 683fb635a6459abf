#pragma once
// Typed settings for the config sections the code reads, each filled once
// when the config is loaded (config.cpp, derive) from values config_schema
// has validated — no code reads the YAML tree by key.
#include <chrono>
#include <string>
#include <vector>

namespace sdlc {

// supervision.*: how a story actor that dies is restarted.
struct supervision_settings {
  int max_restarts = 3; // more within `window` fails the story
  std::chrono::milliseconds window{600000};
  std::chrono::milliseconds backoff{1000}; // first restart delay; doubles
  std::chrono::milliseconds max_backoff{30000};
};

// remote.*: worker nodes (docs/remote-nodes.md).
struct remote_config {
  std::string url; // the git remote both sides reach; "" none
  std::vector<std::string> nodes;
  std::string token_file; // "" none
  bool local = true;      // stories also run on this machine
  std::chrono::milliseconds connection_timeout{15000};
  std::string tls_certificate, tls_key, tls_ca; // "" none
};

// worktree.*: how many worktrees, how old, how large.
struct worktree_limits {
  long max_count = 20; // 0: no limit
  double max_age_days = 14;
  long max_total_mb = 10240;
};

// conflicts.policy
enum class conflict_policy { serialize, warn, ignore };

} // namespace sdlc
