#pragma once
#include "actors/actors.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

// Spawns an executor (detached: it owns a process and a reader thread).
// `listener` receives a story_event for every notable agent event.
executor_actor spawn_executor(caf::actor_system& sys, caf::actor listener);

} // namespace sdlc
