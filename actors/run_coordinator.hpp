#pragma once
// Owns the actor system for one `run`: selects the stories, starts the API
// gateway, the status display, the supervisor and the scheduler, forwards
// Ctrl-C / SIGTERM (once: drain; twice, or after shutdown.gracePeriod: stop
// now), and turns the outcome into an exit code.
#include "runtime/schedule/run_plan.hpp"

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct run_options {
  std::filesystem::path project;
  run_selection select;
  std::optional<int> concurrent; // --concurrent N (default 1)
  bool use_worktree = false;
  bool force = false;
  bool yes = false;          // start even when stories may conflict
  bool force_unlock = false; // take over the run lock; refused while its holder lives
  bool keep_worktrees = false;
  bool fail_fast = false;
  bool dry_run = false;
  double action_seconds = 60; // --dry-run: expected time per action
  std::optional<std::filesystem::path> batch_file;
  std::vector<std::string> nodes;                  // --node host:port (repeatable)
  bool no_local = false;                           // --no-local: stories run on nodes only
  std::optional<std::filesystem::path> token_file; // --token-file: the nodes' shared secret
  std::string tls_cert, tls_key, tls_ca;           // --tls-cert/--tls-key/--tls-ca
};

// The nodes' shared secret from `file` (one line, at least 16 characters).
// Throws bad_input naming the file and what to do.
std::string read_token_file(const std::filesystem::path& file);

struct tls_files;
struct config;
// TLS files for the node connection: the flags over `cfg`'s remote.tls.*;
// each must exist; all three or none. `cfg` null: flags only.
tls_files resolve_tls(const std::string& cert, const std::string& key, const std::string& ca,
                      const config* cfg);

// Exit code: 0 all done, 1 some failed or blocked, 130 interrupted (SIGINT/SIGTERM).
int run_stories(run_options opts, std::ostream& out);

} // namespace sdlc
