#pragma once
// When the supervisor restarts a crashed story actor: exponential backoff,
// and no more than `max_restarts` within `window` (then the story fails).
// Pure; the supervisor keeps the history and sets the timer.
#include "runtime/config/settings.hpp"

#include <chrono>
#include <deque>
#include <string>

namespace sdlc {

// supervision.* (runtime/config/settings.hpp) is the policy.
using restart_policy = supervision_settings;

struct restart_decision {
  bool restart = false;
  std::chrono::milliseconds delay{0};
  std::string reason; // why not, when restart is false
};

// `history` holds the times of earlier restarts (oldest first); it is pruned to
// the window and, on a restart, gets `now` appended.
restart_decision decide_restart(std::deque<std::chrono::milliseconds>& history,
                                std::chrono::milliseconds now, const restart_policy& p);

} // namespace sdlc
