#pragma once
// The orchestrator's view of its worker nodes: connects to each (CAF
// middleman, node_hello with the shared secret), counts their slots as
// capacity next to the local ones, and places each story on a free slot —
// nodes first (they are why they were added), then this machine. A node that
// goes away stops counting; it is tried again a few seconds later and used
// when it answers. Thread-safe: story actors are detached.
#include "actors/actors.hpp"
#include "actors/system_config.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct remote_settings {
  std::string repo_url;       // remote.url: where code travels between machines
  std::string upstream;       // the API the nodes' gateways forward to
  std::string gateway_base;   // this run's gateway, named in agents' env
  std::string gateway_token;  // (the node swaps both for its own)
  rate_limiter_actor limiter; // the run's rate limiter (may be empty)
};

struct placement {
  bool remote = false;
  node_actor handle;
  std::string node; // host:port
};

class node_pool {
public:
  // Connects to every node; throws bad_input naming one that cannot be
  // reached or refuses the token. `local_slots` 0: nodes only (--no-local).
  node_pool(caf::actor_system& sys, const std::vector<std::string>& nodes, std::string token,
            int local_slots);

  // A free slot for `story`, or nullopt when every slot is taken.
  std::optional<placement> acquire(const std::string& story);
  void release(const std::string& story);
  // The node stopped answering: its slots no longer count.
  void lost(const std::string& node);
  int capacity();
  std::vector<node_info> nodes();
  // The nodes that answer now (a done story's worktree is dropped on each).
  std::vector<node_actor> up_handles();
  const std::string& token() const { return token_; }

  remote_settings settings;

  // One hello to a node (also `sdlc-actors nodes`): its info or an error text.
  static std::pair<std::optional<node_info>, std::string> hello(caf::actor_system& sys,
                                                                const std::string& node,
                                                                const std::string& token,
                                                                node_actor* handle_out = nullptr);

private:
  struct member {
    std::string name;
    node_actor handle;
    int slots = 0;
    int busy = 0;
    bool up = false;
    std::chrono::steady_clock::time_point retry_at;
  };
  void retry_lost(std::unique_lock<std::mutex>& lock);

  caf::actor_system& sys_;
  std::string token_;
  int local_slots_;
  int local_busy_ = 0;
  std::mutex mu_;
  std::vector<member> members_;
  std::map<std::string, int> where_; // story -> member index, -1 local
};

// `sdlc-actors nodes`: one hello to each node, with its own actor system.
struct node_probe {
  std::string name;
  std::optional<node_info> info; // nullopt: unreachable or refused
  std::string problem;
};
std::vector<node_probe>
probe_nodes(const std::vector<std::string>& nodes, const std::string& token,
            const tls_files& tls = {},
            std::chrono::milliseconds connection_timeout = default_connection_timeout);

} // namespace sdlc
