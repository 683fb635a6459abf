#include "runtime/api/budget.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace sdlc {

namespace {
std::optional<double> usd(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  double v = -1;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
  }
  if (v < 0)
    throw bad_input(fmt::format("limits.maxCostUsd.{}: expected a dollar amount like 2.50 (or "
                                "null for no budget), got '{}'",
                                key, n.Scalar()));
  return v;
}
} // namespace

budget_limits budget_from_config(const YAML::Node& limits) {
  budget_limits b;
  if (!limits.IsDefined() || !limits.IsMap()) return b;
  auto cost = limits["maxCostUsd"];
  if (!cost.IsDefined() || cost.IsNull()) return b;
  b.story_usd = usd(cost["story"], "story");
  b.run_usd = usd(cost["run"], "run");
  return b;
}

std::optional<std::string> story_over_budget(const std::string& id, double spent,
                                             const budget_limits& b) {
  if (!b.story_usd || spent < *b.story_usd) return std::nullopt;
  return fmt::format("over budget: {} has cost ${:.4f} of ${:.2f} (limits.maxCostUsd.story); "
                     "raise the limit and `unblock {}` to go on",
                     id, spent, *b.story_usd, id);
}

std::optional<std::string> run_over_budget(double spent, const budget_limits& b) {
  if (!b.run_usd || spent < *b.run_usd) return std::nullopt;
  return fmt::format("run budget spent: ${:.4f} of ${:.2f} (limits.maxCostUsd.run); "
                     "`run --continue` goes on with a new budget",
                     spent, *b.run_usd);
}

std::optional<double> action_budget(double spent, const budget_limits& b) {
  if (!b.story_usd) return std::nullopt;
  return std::max(0.0, *b.story_usd - spent);
}

std::optional<int64_t> park_until(int64_t now_ms, int64_t gateway_parked_until_ms,
                                  int64_t cli_resets_at_ms) {
  auto until = std::max(gateway_parked_until_ms, cli_resets_at_ms);
  if (until <= now_ms) return std::nullopt;
  return until;
}

} // namespace sdlc
