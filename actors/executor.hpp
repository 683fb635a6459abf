#pragma once
#include "actors/actors.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace sdlc {

// Spawns an executor (detached: it owns a process and a reader thread).
// `listener` receives a story_event for every notable agent event.
executor_actor spawn_executor(caf::actor_system& sys, caf::actor listener);

// How long to wait for the answer about `job`: its wall-clock limit plus
// `slack` for whatever surrounds the run (a day when it has no limit).
std::chrono::milliseconds reply_limit(const agent_job& job, std::chrono::milliseconds slack);

} // namespace sdlc
