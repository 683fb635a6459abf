#pragma once
// When the supervisor restarts a crashed story actor: exponential backoff,
// and no more than `max_restarts` within `window` (then the story fails).
// Pure; the supervisor keeps the history and sets the timer.
#include <chrono>
#include <deque>
#include <string>

namespace sdlc {

struct restart_policy {
  int max_restarts = 3;
  std::chrono::milliseconds window{600000};
  std::chrono::milliseconds backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
};

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
