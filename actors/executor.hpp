#pragma once
#include "actors/actors.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace sdlc {

// Spawns an executor: it owns one agent process at a time, whose output a
// kept thread reads (runtime/process/child_process).
// Every notable agent event goes to `story` (logged, pid checkpointed) and
// to `display` (shown); either may be empty.
executor_actor spawn_executor(caf::actor_system& sys, agent_listener_actor story,
                              agent_listener_actor display);

// How long to wait for the answer about `job`: its wall-clock limit plus
// `slack` for whatever surrounds the run (a day when it has no limit).
std::chrono::milliseconds reply_limit(const agent_job& job, std::chrono::milliseconds slack);

} // namespace sdlc
