#pragma once
// The environment an agent gets on a node: the node's own (PATH, HOME and
// whatever else this machine defines), then the run's agent settings
// (SDLC_*, ANTHROPIC_*, CLAUDE_*), then anything else the run sets that this
// machine does not — with the orchestrator's gateway (its address and token)
// swapped for the node's own. Pure: a map in, a map out.
#include "runtime/util/environment.hpp"

#include <string>

namespace sdlc {

struct gateway_swap {
  std::string from_base, to_base;   // http://127.0.0.1:<orchestrator port> -> ours
  std::string from_token, to_token; // the run's token -> our gateway's
};

env_vars node_environment(const env_vars& job_env, const env_vars& own_env,
                          const gateway_swap& swap);

} // namespace sdlc
