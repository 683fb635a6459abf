#pragma once
// How many stories should run at once while they share one API budget, pure
// and on caller-supplied time. Agents that wait for permits only hold
// worktrees and memory: when a permit has waited longer than `queued_for`,
// run one story fewer (down to 1); when no permit has waited for `idle_for`,
// one more (up to the user's --concurrent). One step per `queued_for`, so a
// burst does not collapse the level at once.
#include "runtime/api/rate_limiter_core.hpp" // sdlc::ms

#include <chrono>

namespace sdlc {

class concurrency_scaler {
public:
  concurrency_scaler(int max_level, ms queued_for, ms idle_for)
      : max_(max_level < 1 ? 1 : max_level), level_(max_), queued_for_(queued_for),
        idle_for_(idle_for) {}

  // Call on every limiter change and tick. `oldest_wait` is how long the
  // oldest queued permit has waited (0 when none is queued). Returns the level.
  int observe(ms now, ms oldest_wait);
  int level() const { return level_; }
  int max_level() const { return max_; }

private:
  int max_;
  int level_;
  ms queued_for_;
  ms idle_for_;
  ms last_change_{0};
  ms last_pressure_{0};
  bool started_ = false;
};

} // namespace sdlc
