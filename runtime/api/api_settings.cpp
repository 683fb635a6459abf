#include "runtime/api/api_settings.hpp"

#include <yaml-cpp/yaml.h>

namespace sdlc {

api_settings api_settings_from(const YAML::Node& t) {
  api_settings a;
  const auto api = t["api"];
  const auto lim = api["limits"];
  a.limits.requests = lim["requests"].as<long>();
  a.limits.input_tokens = lim["inputTokens"].as<long>();
  a.limits.output_tokens = lim["outputTokens"].as<long>();
  // A grant here reaches the upstream a little later, and not always equally
  // late: counting a slightly longer window keeps two grants one window
  // apart at the upstream too (costs ~1-3% of the rate).
  const long window = lim["windowMs"].as<long>();
  a.limits.window = ms(window + 30 + window / 100);
  a.limits.max_in_flight = lim["maxInFlight"].as<int>();
  a.share_limits = api["shareLimits"].as<bool>();
  a.max_attempts = api["retry"]["maxAttempts"].as<int>();
  a.backoff = ms(api["retry"]["backoffMs"].as<long>());
  a.park_threshold = ms(api["parkThresholdMs"].as<long>());
  a.scale_queued = ms(api["autoScale"]["queuedMs"].as<long>());
  a.scale_idle = ms(api["autoScale"]["idleMs"].as<long>());
  a.budget = budget_from_config(t["limits"]);
  if (!a.share_limits) a.max_attempts = 1; // each agent meets the upstream's limits itself
  return a;
}

} // namespace sdlc
