#pragma once
// A simulated run with fixed durations (work = seconds), for `run --dry-run`
// and the benchmarks: the scheduler's pure core choosing, a clock advancing
// from one finish to the next.
#include "runtime/schedule/scheduler_core.hpp"

#include <map>
#include <string>
#include <vector>

namespace sdlc {

struct simulated_start {
  std::string id;
  double start = 0;
  double end = 0;
  std::vector<std::string> waited_for; // dependencies it had to wait for
};

struct simulation {
  std::vector<simulated_start> starts; // in start order
  double makespan = 0;
};

simulation simulate(const std::vector<schedule_item>& items, int capacity);
// The same, choosing by the items' `work` but running each story for
// `actual` seconds: a live run weighs stories by their count of actions and
// learns how long they take only as they finish.
simulation simulate(const std::vector<schedule_item>& items, int capacity,
                    const std::map<std::string, double>& actual);
// The same DAG run level by level (each level waits for the slowest of the
// previous one), as ai-sdlc's parallel mode does.
simulation simulate_levels(const std::vector<schedule_item>& items, int capacity);
// max(critical path, total work / capacity): no schedule can beat it.
double makespan_lower_bound(const std::vector<schedule_item>& items, int capacity);

} // namespace sdlc
