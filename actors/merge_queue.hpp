#pragma once
#include "actors/actors.hpp"
#include "runtime/story/board.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

// The run's landing lane over `b` (its own copy of the board); what becomes of
// each story goes to `scheduler` and `status`. run_coordinator's
// prepare_board has checked the lane can open (detached HEAD, merge.strategy
// rebase, a branch without commits); if it cannot later, every story sent
// here is told it waits, and why.
merge_queue_actor spawn_merge_queue(caf::actor_system& sys, board b,
                                    landing_listener_actor scheduler,
                                    landing_listener_actor status);

} // namespace sdlc
