#include "runtime/schedule/restart_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

restart_decision decide_restart(std::deque<std::chrono::milliseconds>& history,
                                std::chrono::milliseconds now, const restart_policy& p) {
  while (!history.empty() && now - history.front() >= p.window)
    history.pop_front();
  if (static_cast<int>(history.size()) >= p.max_restarts)
    return {false, std::chrono::milliseconds(0),
            fmt::format("the story actor died {} times within {} s (supervision.maxRestarts = {})",
                        history.size() + 1, p.window.count() / 1000, p.max_restarts)};
  auto delay = p.backoff;
  for (std::size_t i = 0; i < history.size() && delay < p.max_backoff; ++i)
    delay *= 2;
  history.push_back(now);
  return {true, std::min(delay, p.max_backoff), ""};
}

} // namespace sdlc
