#pragma once
// The actor clock as milliseconds: real time in a run, virtual time under
// CAF's test coordinator — so supervision and rate limiting are tested on
// virtual time with the same code.
#include <chrono>

namespace sdlc {

template <class Self> std::chrono::milliseconds now_of(Self* self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      self->clock().now().time_since_epoch());
}

} // namespace sdlc
