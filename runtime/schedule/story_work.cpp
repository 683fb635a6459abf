#include "runtime/schedule/story_work.hpp"

#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

int expected_actions(const story& s) {
  auto st = s.status();
  if (st == story_status::done || st == story_status::blocked) return 0;
  int n = st == story_status::backlog ? 1 : 0;
  for (auto flag :
       {"research_complete", "plan_complete", "implementation_complete", "reviews_complete"})
    n += s.flag(flag) ? 0 : 1;
  return std::max(1, n);
}

std::optional<double> effort_factor(const std::string& estimated_effort) {
  // Linear in the size class: on random DAGs with durations spread evenly,
  // 1:2:3 and 1:2:4 schedule alike (tools/bench, docs/benchmarks.md), and a
  // linear scale keeps the dry run's estimate of a story plausible.
  auto v = ascii_lower(trim(estimated_effort));
  if (v == "small") return 0.5;
  if (v == "medium") return 1.0;
  if (v == "large") return 1.5;
  return std::nullopt;
}

double expected_work(int actions, const std::string& estimated_effort) {
  return actions * effort_factor(estimated_effort).value_or(1.0);
}

double expected_work(const story& s) {
  return expected_work(expected_actions(s), s.str("estimated_effort"));
}

std::optional<std::string> effort_problem(const story& s) {
  if (!s.has("estimated_effort")) return std::nullopt;
  auto v = s.str("estimated_effort");
  if (v.empty() || effort_factor(v)) return std::nullopt;
  return fmt::format("{} ({}): estimated_effort '{}' is not small, medium or large; the run "
                     "weighs it as medium (fix the value to have it weighed)",
                     s.id(), s.file().string(), v);
}

} // namespace sdlc
