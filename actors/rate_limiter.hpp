#pragma once
#include "actors/actors.hpp"
#include "runtime/api/rate_limiter_core.hpp"
#include "runtime/schedule/concurrency_scaler.hpp"

#include <caf/fwd.hpp>

#include <optional>

namespace sdlc {

struct limiter_options {
  api_limits limits;
  // Weak: CAF 0.17 ends a detached actor's thread only when nothing refers to
  // it, and gateway threads may keep this actor (and its arguments) a while.
  caf::actor_addr status;                   // gets an "api" event when the numbers change
  caf::actor_addr scheduler;                // gets (scale, n) when the level changes
  std::optional<concurrency_scaler> scaler; // none: no auto-scaling
};

rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys, limiter_options opts);

} // namespace sdlc
