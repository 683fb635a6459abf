#include "tools/bench/dag_bench.hpp"

#include "runtime/schedule/simulation.hpp"
#include "runtime/schedule/story_work.hpp"
#include "runtime/story/board.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

namespace sdlc::bench {

namespace {

struct dag_story {
  std::string id;
  std::vector<std::string> depends_on;
  int action_ms = 0;
};

// Ids S-0001.. in order, as `board::add` gives them on an empty board.
std::vector<dag_story> random_dag(int n, unsigned seed, int min_ms, int max_ms) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> ms(min_ms, max_ms);
  std::uniform_int_distribution<int> ndeps(0, 2);
  std::vector<dag_story> out;
  for (int i = 1; i <= n; ++i) {
    dag_story s;
    s.id = fmt::format("S-{:04}", i);
    // Dependencies only on earlier stories: a DAG by construction.
    if (i > 1)
      for (int k = ndeps(rng); k > 0; --k) {
        std::uniform_int_distribution<int> pick(std::max(1, i - 8), i - 1);
        auto dep = fmt::format("S-{:04}", pick(rng));
        if (std::find(s.depends_on.begin(), s.depends_on.end(), dep) == s.depends_on.end())
          s.depends_on.push_back(dep);
      }
    s.action_ms = ms(rng);
    out.push_back(std::move(s));
  }
  return out;
}

// A person's estimate is coarse: the third of the range the actions fall in.
int size_class(int action_ms, int min_ms, int max_ms) {
  return 3 * (action_ms - min_ms) / (max_ms - min_ms + 1);
}
const char* size_name(int c) {
  static const char* names[] = {"small", "medium", "large"};
  return names[std::clamp(c, 0, 2)];
}

// Four agent actions per ready story: research, plan, implement, review.
std::vector<schedule_item> items_of(const std::vector<dag_story>& dag) {
  std::vector<schedule_item> items;
  for (const auto& s : dag)
    items.push_back({s.id, 10, s.depends_on, 4 * s.action_ms / 1000.0});
  return items;
}

// The schedule a live run can make: it weighs every story by its count of
// actions, scaled by its estimated_effort when it has one (`estimate`: story
// id -> small/medium/large; none for a story without), and learns the
// durations only as the stories finish.
double simulate_live(const std::vector<schedule_item>& items, int capacity,
                     const std::map<std::string, std::string>& estimate) {
  auto live = items;
  std::map<std::string, double> actual;
  for (auto& it : live) {
    actual[it.id] = it.work;
    auto e = estimate.find(it.id);
    it.work = expected_work(4, e == estimate.end() ? std::string() : e->second);
  }
  return simulate(live, capacity, actual).makespan;
}

} // namespace

int dag(const std::filesystem::path& root, int n, int capacity, unsigned seed, int min_ms,
        int max_ms, bool estimates) {
  board b(root, load_config(root, {}));
  const auto stories = random_dag(n, seed, min_ms, max_ms);
  std::map<std::string, std::string> estimate;
  std::ofstream durations(root / "durations.txt");
  for (const auto& d : stories) {
    new_story spec;
    spec.title = fmt::format("Bench story {}", std::stoi(d.id.substr(2)));
    spec.status = story_status::ready;
    spec.priority = 10;
    spec.depends_on = d.depends_on;
    auto s = b.add(spec);
    if (s.id() != d.id)
      throw std::runtime_error(fmt::format("{}: the board is not empty (the DAG's {} became {})",
                                           root.string(), d.id, s.id()));
    durations << d.id << " " << d.action_ms << "\n";
    estimate[d.id] = size_name(size_class(d.action_ms, min_ms, max_ms));
    if (estimates)
      b.update(d.id, [&](story& x) { x.set_string("estimated_effort", estimate[d.id]); });
  }
  const auto items = items_of(stories);
  std::cout << fmt::format(
      "lower_bound_s {:.3f}\nsimulated_s {:.3f}\nlevels_s {:.3f}\nblind_s {:.3f}\n"
      "estimated_s {:.3f}\n",
      makespan_lower_bound(items, capacity), simulate(items, capacity).makespan,
      simulate_levels(items, capacity).makespan, simulate_live(items, capacity, {}),
      simulate_live(items, capacity, estimate));
  return 0;
}

int dag_seeds(int n, int capacity, int seeds, int min_ms, int max_ms) {
  double knowing = 0, blind = 0, estimated = 0, rough = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto stories = random_dag(n, static_cast<unsigned>(seed), min_ms, max_ms);
    const auto items = items_of(stories);
    std::mt19937 rng(static_cast<unsigned>(seed) * 7 + 1);
    std::uniform_int_distribution<int> quarter(0, 3), side(0, 1);
    std::map<std::string, std::string> exact, off;
    for (const auto& s : stories) {
      int c = size_class(s.action_ms, min_ms, max_ms);
      exact[s.id] = size_name(c);
      // A quarter of the estimates one class off (up or down, kept in range).
      off[s.id] = size_name(quarter(rng) == 0 ? c + (side(rng) ? 1 : -1) : c);
    }
    const double lb = makespan_lower_bound(items, capacity);
    knowing += simulate(items, capacity).makespan / lb;
    blind += simulate_live(items, capacity, {}) / lb;
    estimated += simulate_live(items, capacity, exact) / lb;
    rough += simulate_live(items, capacity, off) / lb;
  }
  std::cout << fmt::format("seeds {}\nknowing_mean {:.4f}\nblind_mean {:.4f}\n"
                           "estimated_mean {:.4f}\nestimated_rough_mean {:.4f}\n",
                           seeds, knowing / seeds, blind / seeds, estimated / seeds, rough / seeds);
  return 0;
}

int events(int n, unsigned seed) {
  // issue 17's board shape: 0-3 dependencies each on any earlier story.
  std::mt19937 rng(seed);
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  auto id_of = [](int i) { return fmt::format("S-{:06}", i); };
  std::vector<schedule_item> items;
  for (int i = 0; i < n; ++i) {
    schedule_item it{id_of(i), pick(1000), {}, 1.0 + pick(8)};
    for (int k = pick(4); k > 0 && i > 0; --k)
      it.depends_on.push_back(id_of(pick(i)));
    items.push_back(std::move(it));
  }
  scheduler_core core(items, 16);
  core.keep_open();
  core.take_touched();
  std::vector<std::string> done;
  while (static_cast<int>(done.size()) < n / 2) {
    auto started = core.take_startable();
    if (started.empty()) break;
    for (auto& id : started) {
      core.mark_done(id);
      done.push_back(std::move(id));
    }
  }
  core.take_touched();
  using clock = std::chrono::steady_clock;
  const int rounds = 200;
  // Each event as the scheduler actor pays it: the change, then the reasons
  // of the waiting stories it touched.
  auto measure = [&](const char* name, auto&& event) {
    std::size_t touched = 0;
    auto t0 = clock::now();
    for (int r = 0; r < rounds; ++r) {
      event(r);
      touched += core.take_touched().size();
    }
    auto us = std::chrono::duration<double, std::micro>(clock::now() - t0).count() / rounds;
    std::cout << fmt::format("{}_us {:.1f}\n{}_touched {:.1f}\n", name, us, name,
                             static_cast<double>(touched) / rounds);
  };
  std::vector<std::string> running;
  measure("finish", [&](int) {
    if (running.empty()) running = core.take_startable();
    if (running.empty()) return;
    core.mark_done(running.back());
    running.pop_back();
  });
  measure("readmit", [&](int) {
    core.readmit(done[static_cast<std::size_t>(pick(static_cast<int>(done.size())))], 2.0);
  });
  measure("admit", [&](int r) {
    schedule_item it{fmt::format("W-{:06}", r), pick(1000), {}, 1.0 + pick(8)};
    for (int k = pick(4); k > 0; --k)
      it.depends_on.push_back(id_of(pick(n)));
    core.admit(std::move(it));
  });
  return 0;
}

} // namespace sdlc::bench
