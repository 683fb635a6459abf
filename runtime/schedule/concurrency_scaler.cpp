#include "runtime/schedule/concurrency_scaler.hpp"

namespace sdlc {

int concurrency_scaler::observe(ms now, ms oldest_wait) {
  if (!started_) {
    started_ = true;
    last_change_ = last_pressure_ = now;
  }
  const bool pressure = oldest_wait >= queued_for_;
  if (oldest_wait > ms(0)) last_pressure_ = now;
  if (pressure && level_ > 1 && now - last_change_ >= queued_for_) {
    --level_;
    last_change_ = now;
  } else if (!pressure && level_ < max_ && now - last_pressure_ >= idle_for_ &&
             now - last_change_ >= idle_for_) {
    ++level_;
    last_change_ = now;
  }
  return level_;
}

} // namespace sdlc
