#include "runtime/schedule/simulation.hpp"

#include <algorithm>
#include <queue>
#include <string_view>
#include <unordered_map>

namespace sdlc {

namespace {

// Position of each id in `items`. Views into `items`, which outlive it.
std::unordered_map<std::string_view, std::size_t>
positions(const std::vector<schedule_item>& items) {
  std::unordered_map<std::string_view, std::size_t> at;
  at.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    at.emplace(items[i].id, i);
  return at;
}

// Every item's dependencies inside `items`, as positions (one lookup per
// edge, instead of one per use of it).
std::vector<std::vector<std::size_t>>
inside_dependencies(const std::vector<schedule_item>& items,
                    const std::unordered_map<std::string_view, std::size_t>& at) {
  std::vector<std::vector<std::size_t>> deps(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    for (const auto& d : items[i].depends_on)
      if (auto f = at.find(d); f != at.end() && f->second != i) deps[i].push_back(f->second);
  return deps;
}

template <class Seconds>
simulation run_simulation(const std::vector<schedule_item>& items, int capacity,
                          Seconds seconds_of) {
  scheduler_core core(items, capacity); // throws on a cycle
  const auto at = positions(items);
  simulation sim;
  sim.starts.reserve(items.size());
  // Finish time, then id: ties end in id order, as the live scheduler hears them.
  using ev = std::pair<double, std::string_view>;
  std::priority_queue<ev, std::vector<ev>, std::greater<ev>> running;
  std::vector<char> finished(items.size(), 0);
  double now = 0;
  for (;;) {
    for (const auto& id : core.take_startable()) {
      const auto& it = items[at.at(id)];
      simulated_start s{id, now, now + seconds_of(it), {}};
      for (const auto& d : it.depends_on)
        if (auto f = at.find(d); f != at.end() && finished[f->second]) s.waited_for.push_back(d);
      running.push({s.end, it.id});
      sim.starts.push_back(std::move(s));
    }
    if (running.empty()) break;
    auto [t, id] = running.top();
    running.pop();
    now = t;
    finished[at.at(id)] = 1;
    core.mark_done(std::string(id));
    sim.makespan = std::max(sim.makespan, t);
  }
  return sim;
}

// Every item after its dependencies (Kahn's order), without recursion: a
// 100,000-story chain is deep. Items in a cycle are left out.
std::vector<std::size_t> topological_order(const std::vector<std::vector<std::size_t>>& deps) {
  const auto n = deps.size();
  std::vector<std::vector<std::size_t>> dependents(n);
  std::vector<std::size_t> unmet(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (auto d : deps[i]) {
      dependents[d].push_back(i);
      ++unmet[i];
    }
  std::vector<std::size_t> order, ready;
  order.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    if (unmet[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    auto i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (auto k : dependents[i])
      if (--unmet[k] == 0) ready.push_back(k);
  }
  return order;
}

} // namespace

simulation simulate(const std::vector<schedule_item>& items, int capacity) {
  return run_simulation(items, capacity, [](const schedule_item& it) { return it.work; });
}

simulation simulate(const std::vector<schedule_item>& items, int capacity,
                    const std::map<std::string, double>& actual) {
  return run_simulation(items, capacity, [&](const schedule_item& it) { return actual.at(it.id); });
}

simulation simulate_levels(const std::vector<schedule_item>& items, int capacity) {
  // A story's level: the longest chain of dependencies above it.
  const auto deps = inside_dependencies(items, positions(items));
  std::vector<int> level(items.size(), 0);
  for (auto i : topological_order(deps))
    for (auto d : deps[i])
      level[i] = std::max(level[i], level[d] + 1);
  const int max_level = level.empty() ? 0 : *std::max_element(level.begin(), level.end());
  std::vector<std::vector<schedule_item>> by_level(static_cast<std::size_t>(max_level) + 1);
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto copy = items[i];
    copy.depends_on.clear(); // the level barrier stands for them
    by_level[static_cast<std::size_t>(level[i])].push_back(std::move(copy));
  }
  simulation sim;
  double level_start = 0;
  for (const auto& in_level : by_level) {
    auto part = simulate(in_level, capacity);
    for (auto& s : part.starts) {
      s.start += level_start;
      s.end += level_start;
      sim.starts.push_back(std::move(s));
    }
    level_start += part.makespan;
  }
  sim.makespan = level_start;
  return sim;
}

double makespan_lower_bound(const std::vector<schedule_item>& items, int capacity) {
  // The critical path as the scheduler weighs it (own work plus the heaviest
  // chain downstream), from the stories nothing waits for up.
  const auto deps = inside_dependencies(items, positions(items));
  std::vector<double> down(items.size(), 0); // the heaviest chain below each
  double total = 0, critical = 0;
  for (const auto& it : items)
    total += it.work;
  const auto order = topological_order(deps);
  for (auto i = order.rbegin(); i != order.rend(); ++i) {
    const double weight = items[*i].work + down[*i];
    critical = std::max(critical, weight);
    for (auto d : deps[*i])
      down[d] = std::max(down[d], weight);
  }
  return std::max(critical, total / std::max(1, capacity));
}

} // namespace sdlc
