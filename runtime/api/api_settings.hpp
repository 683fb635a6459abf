#pragma once
// The run's API settings from a validated config: the shared limits, the
// gateway's retries and parking, auto-scaling and the budgets.
#include "runtime/api/budget.hpp"
#include "runtime/api/rate_limiter_core.hpp"

#include <chrono>

namespace YAML {
class Node;
}

namespace sdlc {

struct api_settings {
  api_limits limits;
  bool share_limits = true;
  int max_attempts = 6;
  std::chrono::milliseconds backoff{500};
  std::chrono::milliseconds park_threshold{120000};
  std::chrono::milliseconds scale_queued{5000};
  std::chrono::milliseconds scale_idle{15000};
  budget_limits budget;
};

api_settings api_settings_from(const YAML::Node& config_tree);

} // namespace sdlc
