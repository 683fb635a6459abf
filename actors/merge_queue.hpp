#pragma once
#include "actors/actors.hpp"
#include "runtime/story/board.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

// The run's landing lane over `b` (its own copy of the board); what becomes of
// each story goes to `scheduler` and `status`. Throws bad_input before
// spawning when the lane cannot work here (detached HEAD, merge.strategy
// rebase, a branch without commits), so a run never starts without it.
merge_queue_actor spawn_merge_queue(caf::actor_system& sys, board b,
                                    landing_listener_actor scheduler,
                                    landing_listener_actor status);

} // namespace sdlc
