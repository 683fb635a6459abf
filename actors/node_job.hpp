#pragma once
#include "actors/actors.hpp"
#include "actors/node_gateways.hpp"
#include "runtime/remote/node_agents.hpp"
#include "runtime/remote/node_workspace.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sdlc {

// What every job of a node shares.
struct node_context {
  std::string name; // host:port
  std::shared_ptr<node_workspace> workspace;
  std::shared_ptr<node_gateways> gateways;
  std::shared_ptr<node_agents> agents;
  std::function<void(const std::string&)> log;
};

// Detached: it prepares worktrees and commits (blocking git work).
node_job_actor spawn_node_job(caf::actor_system& sys, std::shared_ptr<node_context> ctx);

} // namespace sdlc
