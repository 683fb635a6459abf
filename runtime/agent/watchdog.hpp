#pragma once
// When an agent process must be stopped: too long overall, silent too long,
// or still running well after it printed its result. Pure, so the executor's
// timer only asks and the rules are tested without processes.
#include <chrono>
#include <optional>
#include <string>

namespace sdlc {

struct watchdog_limits {
  std::chrono::milliseconds wall{600000};
  std::chrono::milliseconds idle{300000};
  std::chrono::milliseconds after_result{3000};
};

enum class watchdog_verdict { ok, wall_timeout, idle_timeout, hung_after_result };

watchdog_verdict check_watchdog(std::chrono::milliseconds since_start,
                                std::chrono::milliseconds since_output,
                                std::optional<std::chrono::milliseconds> since_result,
                                const watchdog_limits& limits);

std::string describe(watchdog_verdict v, const watchdog_limits& limits);

} // namespace sdlc
