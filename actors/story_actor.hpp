#pragma once
#include "actors/actors.hpp"
#include "actors/node_pool.hpp"
#include "runtime/workflow/story_session.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

// Spawns the actor that takes one story through its workflow for this run.
// It reports its events, what each action cost and finally story_finished
// to `parent`; its agents' events go to `display` (and to itself, for the
// story's log). `incarnation` counts restarts by the supervisor (0 the first
// time).
story_actor spawn_story_actor(caf::actor_system& sys, story_report_actor parent,
                              agent_listener_actor display, board b, std::string story_id,
                              session_options opts, int incarnation = 0,
                              std::shared_ptr<node_pool> pool = nullptr);

} // namespace sdlc
