#pragma once
// A node's API gateways: one per upstream API, shared by the node's jobs.
// Their permits come from the rate limiter of each story's run — an actor on
// the orchestrator's machine — through a forwarder actor here, and every
// permit goes back to the limiter that granted it.
#include "actors/actors.hpp"
#include "runtime/api/gateway.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sdlc {

class node_gateways : public std::enable_shared_from_this<node_gateways> {
public:
  struct entry {
    std::unique_ptr<gateway> gw;
    std::string token; // this node gateway's own
  };

  // Spawns the permit forwarder; stops it when destroyed.
  explicit node_gateways(caf::actor_system& sys);
  ~node_gateways();
  // Stops the forwarder now (a waiting gateway thread is refused). The actor
  // system's destructor waits for every actor, and this object outlives it
  // when jobs and the node share it: without stop() a node hung on SIGTERM.
  void stop();

  // The gateway to `upstream` (made on first use; lives as long as this).
  entry& gateway_for(const std::string& upstream);
  // While a job runs, its story's API calls take permits from `limiter`
  // (none: no shared limits) with the story's `priority`.
  void job_started(const std::string& story, rate_limiter_actor limiter, int64_t priority);
  void job_ended(const std::string& story);

private:
  gateway_permits permits_for_node();
  std::mutex mu_;
  std::map<std::string, std::pair<rate_limiter_actor, int64_t>> limiter_of_; // story ->
  std::map<uint64_t, rate_limiter_actor> granted_by_; // permit id -> who granted it
  std::map<std::string, entry> gateways_;             // upstream -> gateway
  caf::actor forwarder_;
  uint64_t id_tag_ = 0; // high bits of this node's permit ids: distinct from other gateways'
};

} // namespace sdlc
