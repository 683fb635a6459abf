#include "runtime/agent/watchdog.hpp"

#include <fmt/format.h>

namespace sdlc {

watchdog_verdict check_watchdog(std::chrono::milliseconds since_start,
                                std::chrono::milliseconds since_output,
                                std::optional<std::chrono::milliseconds> since_result,
                                const watchdog_limits& limits) {
  // A finished agent is judged only by how long it lingers.
  if (since_result)
    return *since_result >= limits.after_result ? watchdog_verdict::hung_after_result
                                                : watchdog_verdict::ok;
  if (limits.wall.count() > 0 && since_start >= limits.wall) return watchdog_verdict::wall_timeout;
  if (limits.idle.count() > 0 && since_output >= limits.idle) return watchdog_verdict::idle_timeout;
  return watchdog_verdict::ok;
}

std::string describe(watchdog_verdict v, const watchdog_limits& limits) {
  switch (v) {
  case watchdog_verdict::ok:
    return "";
  case watchdog_verdict::wall_timeout:
    return fmt::format("killed after {} ms (timeouts.agentTimeout)", limits.wall.count());
  case watchdog_verdict::idle_timeout:
    return fmt::format("killed after {} ms without output (timeouts.idleTimeout)",
                       limits.idle.count());
  case watchdog_verdict::hung_after_result:
    return fmt::format("still running {} ms after its result; killed (timeouts.resultGrace)",
                       limits.after_result.count());
  }
  return "";
}

} // namespace sdlc
