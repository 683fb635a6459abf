#pragma once
// Budget and parking decisions, pure: is a story or a run over its
// limits.maxCostUsd, and until when should a story wait for the API's usage
// limit to reset instead of failing.
#include <cstdint>
#include <optional>
#include <string>

namespace YAML {
class Node;
}

namespace sdlc {

struct budget_limits {
  std::optional<double> story_usd;
  std::optional<double> run_usd;
};

// limits.maxCostUsd of a validated config.
budget_limits budget_from_config(const YAML::Node& limits);

// The reason a story may not start another action, if it is over budget.
std::optional<std::string> story_over_budget(const std::string& id, double spent,
                                             const budget_limits& b);
// The reason a run starts no more stories, if it is over budget.
std::optional<std::string> run_over_budget(double spent, const budget_limits& b);
// What the CLI's --max-budget-usd gets for the next action: the story's rest.
std::optional<double> action_budget(double spent, const budget_limits& b);

// A failed action should park rather than fail when the gateway parked the
// API (a 429/529 asking for a wait beyond api.parkThresholdMs) or the CLI
// reported its usage limit rejected, and that time is still ahead. Returns
// when to try again (epoch ms).
std::optional<int64_t> park_until(int64_t now_ms, int64_t gateway_parked_until_ms,
                                  int64_t cli_resets_at_ms);

} // namespace sdlc
