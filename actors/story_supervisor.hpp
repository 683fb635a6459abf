#pragma once
#include "actors/actors.hpp"
#include "runtime/schedule/restart_policy.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace sdlc {

// Makes a story actor reporting to `parent` (the supervisor; tests pass
// their own factory).
using story_factory =
    std::function<story_actor(story_report_actor parent, const std::string& id, int incarnation)>;

// `parent` gets every story's reports (the scheduler that owns it).
supervisor_actor spawn_story_supervisor(caf::actor_system& sys, story_report_actor parent,
                                        story_factory make_story, restart_policy policy);

} // namespace sdlc
