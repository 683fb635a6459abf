#pragma once
#include "actors/actors.hpp"
#include "runtime/schedule/restart_policy.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace sdlc {

// Makes a story actor whose parent is `parent` (tests pass their own).
using story_factory =
    std::function<story_actor(caf::actor parent, const std::string& id, int incarnation)>;

supervisor_actor spawn_story_supervisor(caf::actor_system& sys, caf::actor parent,
                                        story_factory make_story, restart_policy policy);

} // namespace sdlc
