#pragma once
#include "actors/actors.hpp"
#include "runtime/api/rate_limiter_core.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

// `status` (may be null) gets an "api" event whenever the numbers change.
rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys, api_limits limits, caf::actor status);

} // namespace sdlc
