#define BOOST_TEST_MODULE scheduler_core
#include "runtime/schedule/scheduler_core.hpp"
#include "runtime/schedule/simulation.hpp"
#include "runtime/util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace sdlc;

namespace {
schedule_item item(const char* id, long prio, std::vector<std::string> deps = {}, double work = 1) {
  return {id, prio, std::move(deps), work};
}
} // namespace

BOOST_AUTO_TEST_CASE(priority_then_critical_path_then_id) {
  // B has more work downstream than C at the same priority; A has the best priority.
  scheduler_core core({item("C", 20), item("B", 20), item("D", 20, {"B"}), item("A", 10)}, 2);
  BOOST_TEST(core.take_startable() == (std::vector<std::string>{"A", "B"}));
  BOOST_TEST(core.take_startable().empty()); // capacity reached
  core.mark_done("A");
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"C"});
  core.mark_done("B");
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"D"});
  core.mark_done("C");
  core.mark_done("D");
  BOOST_TEST(core.finished());
}

// Landing sends a done story back to rework: it keeps the priority its plan
// gave it (a batch file's, not its file's) and its dependencies, and is
// weighed by what it has left.
BOOST_AUTO_TEST_CASE(a_story_sent_back_keeps_its_place_in_the_plan) {
  scheduler_core core({item("A", 5), item("B", 1, {"A"}, 2)}, 1);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.mark_done("A");
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"B"});
  core.mark_done("B");
  core.readmit("A", 0.5);
  BOOST_TEST((core.state_of("A") == item_state::waiting));
  BOOST_TEST(core.weight_of("A") == 2.5); // its own 0.5, then B still after it
  core.admit(item("C", 3));
  BOOST_TEST(core.ready_now() == (std::vector<std::string>{"C", "A"})); // priority 5 kept
  core.readmit("Z", 2); // not in the plan: taken as new
  BOOST_TEST((core.state_of("Z") == item_state::waiting));
  BOOST_TEST(core.weight_of("Z") == 2.0);
}

BOOST_AUTO_TEST_CASE(ties_broken_by_id) {
  scheduler_core core({item("S-3", 5), item("S-1", 5), item("S-2", 5)}, 3);
  BOOST_TEST(core.take_startable() == (std::vector<std::string>{"S-1", "S-2", "S-3"}));
}

BOOST_AUTO_TEST_CASE(failure_blocks_dependents_transitively_with_a_reason) {
  scheduler_core core({item("A", 1), item("B", 1, {"A"}), item("C", 1, {"B"}), item("D", 1)}, 4);
  BOOST_TEST(core.take_startable() == (std::vector<std::string>{"A", "D"}));
  auto blocked = core.mark_failed("A", "agent crashed");
  BOOST_REQUIRE(blocked.size() == 2u);
  BOOST_TEST(blocked[0].first == "B");
  BOOST_TEST(blocked[0].second == "dependency A failed");
  BOOST_TEST(blocked[1].second == "dependency B is blocked");
  BOOST_TEST((core.state_of("C") == item_state::blocked));
  BOOST_TEST(core.take_startable().empty());
  core.mark_done("D");
  BOOST_TEST(core.finished());
}

BOOST_AUTO_TEST_CASE(cycles_refuse_the_run) {
  try {
    scheduler_core core({item("A", 1, {"B"}), item("B", 1, {"A"})}, 1);
    BOOST_FAIL("expected an error");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find("A -> B -> A") != std::string::npos);
  }
}

// Choosing by the weights, running for the actual durations (the best a live
// run can do, since it cannot know how long an agent takes): A and B start,
// B ends at 1, A at 5, and its dependent C runs 5 more.
BOOST_AUTO_TEST_CASE(a_blind_schedule_chooses_by_weight_and_runs_for_the_actual_time) {
  std::vector<schedule_item> items = {item("A", 1, {}, 1), item("B", 1, {}, 1),
                                      item("C", 1, {"A"}, 1)};
  auto blind = simulate(items, 2, {{"A", 5}, {"B", 1}, {"C", 5}});
  BOOST_TEST(blind.makespan == 10.0);
  std::map<std::string, double> end;
  for (const auto& s : blind.starts)
    end[s.id] = s.end;
  BOOST_TEST(end["B"] == 1.0);
  BOOST_TEST(end["C"] == 10.0);
  // The two-argument form runs each story for its weight.
  BOOST_TEST(simulate(items, 2).makespan ==
             simulate(items, 2, {{"A", 1}, {"B", 1}, {"C", 1}}).makespan);
}

BOOST_AUTO_TEST_CASE(no_level_barrier) {
  // Level 0: A (long) and B (short). C depends only on B. A level-by-level
  // scheduler would make C wait for A; we start C as soon as B is done.
  std::vector<schedule_item> items = {item("A", 1, {}, 10), item("B", 1, {}, 1),
                                      item("C", 1, {"B"}, 1)};
  auto sim = simulate(items, 3);
  std::map<std::string, double> start;
  for (const auto& s : sim.starts)
    start[s.id] = s.start;
  BOOST_TEST(start["C"] == 1.0);
  BOOST_TEST(sim.makespan == 10.0);
  auto levels = simulate_levels(items, 3);
  BOOST_TEST(levels.makespan == 11.0);
  // The start order the core produces: A and B first, C right after B.
  scheduler_core core(items, 3);
  BOOST_TEST(core.take_startable() == (std::vector<std::string>{"A", "B"}));
  core.mark_done("B");
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"C"});
  BOOST_TEST((core.state_of("A") == item_state::running));
}

BOOST_AUTO_TEST_CASE(closing_stops_new_starts) {
  scheduler_core core({item("A", 1), item("B", 1)}, 1);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.close();
  core.mark_done("A");
  BOOST_TEST(core.take_startable().empty());
  BOOST_TEST(core.finished());
  BOOST_TEST((core.state_of("B") == item_state::waiting));
}

BOOST_AUTO_TEST_CASE(dependencies_outside_the_plan_count_as_done) {
  scheduler_core core({item("B", 1, {"ALREADY-DONE"})}, 1);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"B"});
}

BOOST_AUTO_TEST_CASE(lower_bound) {
  std::vector<schedule_item> items = {item("A", 1, {}, 4), item("B", 1, {"A"}, 4),
                                      item("C", 1, {}, 1)};
  BOOST_TEST(makespan_lower_bound(items, 2) == 8.0);
  BOOST_TEST(makespan_lower_bound(items, 1) == 9.0);
}

BOOST_AUTO_TEST_CASE(a_held_story_frees_its_slot_and_keeps_the_run_open) {
  scheduler_core core({item("A", 1), item("B", 1)}, 1);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.hold("A"); // A's plan waits for a person
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"B"});
  core.mark_done("B");
  BOOST_TEST(!core.finished()); // the run waits for A's approval
  BOOST_TEST(core.held() == std::vector<std::string>{"A"});
  core.mark_waiting("A"); // approved
  BOOST_TEST(core.held().empty());
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.mark_done("A");
  BOOST_TEST(core.finished());
}

BOOST_AUTO_TEST_CASE(a_closed_run_ends_with_a_story_still_held) {
  scheduler_core core({item("A", 1)}, 1);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.hold("A");
  BOOST_TEST(!core.finished());
  core.close(); // Ctrl-C: nobody is going to approve now
  BOOST_TEST(core.finished());
  BOOST_TEST((core.state_of("A") == item_state::held));
}

// The indexed ready set must choose exactly what the plain definition does:
// every waiting story whose dependencies are done, by priority, then heavier
// critical path, then id — checked at every step of a random 2,000-story run
// with failures, holds and capacity changes.
// The simulations' bookkeeping (positions, levels and the critical path
// computed without recursion) against their definitions on a random DAG:
// the lower bound from the core's own weights, levels as the longest chain
// above a story, each level simulated alone after the one before.
BOOST_AUTO_TEST_CASE(simulations_on_a_random_dag_equal_their_definitions) {
  std::mt19937 rng(53);
  std::vector<schedule_item> items;
  for (int i = 0; i < 600; ++i) {
    auto it =
        item(fmt::format("S-{:04}", i).c_str(), std::uniform_int_distribution<long>(1, 5)(rng));
    it.work = std::uniform_real_distribution<double>(0.1, 3.0)(rng);
    for (int k = std::uniform_int_distribution<int>(0, 3)(rng); k > 0 && i > 0; --k)
      it.depends_on.push_back(
          fmt::format("S-{:04}", std::uniform_int_distribution<int>(0, i - 1)(rng)));
    if (i % 50 == 7) it.depends_on.push_back("OUTSIDE"); // not in the plan: done
    items.push_back(it);
  }
  for (int capacity : {1, 3, 8}) {
    BOOST_TEST_CONTEXT("capacity " << capacity) {
      scheduler_core core(items, capacity);
      double total = 0, critical = 0;
      for (const auto& it : items) {
        total += it.work;
        critical = std::max(critical, core.weight_of(it.id));
      }
      BOOST_TEST(makespan_lower_bound(items, capacity) == std::max(critical, total / capacity));

      std::map<std::string, int> level;
      std::map<std::string, const schedule_item*> by_id;
      for (const auto& it : items)
        by_id[it.id] = &it;
      for (const auto& it : items) { // ids only name earlier stories: one pass
        int lv = 0;
        for (const auto& d : it.depends_on)
          if (by_id.count(d)) lv = std::max(lv, level.at(d) + 1);
        level[it.id] = lv;
      }
      const int levels = std::max_element(level.begin(), level.end(),
                                          [](auto& a, auto& b) { return a.second < b.second; })
                             ->second +
                         1;
      double expected = 0;
      for (int lv = 0; lv < levels; ++lv) {
        std::vector<schedule_item> in_level;
        for (auto it : items)
          if (level[it.id] == lv) {
            it.depends_on.clear();
            in_level.push_back(it);
          }
        expected += simulate(in_level, capacity).makespan;
      }
      auto by_levels = simulate_levels(items, capacity);
      BOOST_TEST(by_levels.makespan == expected);
      BOOST_TEST(by_levels.starts.size() == items.size());

      auto sim = simulate(items, capacity);
      BOOST_TEST(sim.starts.size() == items.size());
      std::map<std::string, double> end;
      for (const auto& s : sim.starts)
        end[s.id] = s.end;
      for (const auto& s : sim.starts)
        for (const auto& d : by_id.at(s.id)->depends_on)
          if (end.count(d)) BOOST_TEST(s.start >= end.at(d), s.id << " before " << d);
      BOOST_TEST(sim.makespan >= makespan_lower_bound(items, capacity));
    }
  }
}

BOOST_AUTO_TEST_CASE(choices_on_a_random_dag_equal_the_reference) {
  std::mt19937 rng(17);
  std::vector<schedule_item> items;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    schedule_item it;
    it.id = fmt::format("S-{:05}", i);
    it.priority = std::uniform_int_distribution<long>(1, 20)(rng);
    it.work = std::uniform_int_distribution<int>(1, 9)(rng);
    for (int k = std::uniform_int_distribution<int>(0, 3)(rng); k > 0 && i > 0; --k)
      it.depends_on.push_back(
          fmt::format("S-{:05}", std::uniform_int_distribution<int>(0, i - 1)(rng)));
    items.push_back(it);
  }
  scheduler_core core(items, 8);
  std::map<std::string, const schedule_item*> by_id;
  for (const auto& it : items)
    by_id[it.id] = &it;
  auto reference = [&] {
    std::vector<std::string> ready;
    for (const auto& it : items) {
      if (core.state_of(it.id) != item_state::waiting) continue;
      bool deps_done = std::all_of(it.depends_on.begin(), it.depends_on.end(), [&](const auto& d) {
        return core.state_of(d) == item_state::done;
      });
      if (deps_done) ready.push_back(it.id);
    }
    std::sort(ready.begin(), ready.end(), [&](const std::string& a, const std::string& b) {
      const auto &ia = *by_id[a], &ib = *by_id[b];
      if (ia.priority != ib.priority) return ia.priority < ib.priority;
      if (core.weight_of(a) != core.weight_of(b)) return core.weight_of(a) > core.weight_of(b);
      return a < b;
    });
    return ready;
  };
  std::vector<std::string> running;
  int steps = 0;
  while (!core.finished()) {
    BOOST_REQUIRE(core.ready_now() == reference());
    auto expected = reference();
    const auto free = static_cast<std::size_t>(std::max(0, core.capacity() - core.running()));
    expected.resize(std::min(expected.size(), free));
    auto started = core.take_startable();
    BOOST_REQUIRE_MESSAGE(started == expected,
                          fmt::format("step {}: started {} expected {} (capacity {}, running {})",
                                      steps, fmt::join(started, ","), fmt::join(expected, ","),
                                      core.capacity(), core.running()));
    running.insert(running.end(), started.begin(), started.end());
    BOOST_REQUIRE(!running.empty());
    // Finish one at random: mostly done, sometimes failed or held and given back.
    auto at = std::uniform_int_distribution<std::size_t>(0, running.size() - 1)(rng);
    auto id = running[at];
    running.erase(running.begin() + static_cast<long>(at));
    const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
    if (roll < 3)
      core.mark_failed(id, "test");
    else if (roll < 6)
      core.mark_waiting(id);
    else
      core.mark_done(id);
    if (roll == 50) core.set_capacity(std::uniform_int_distribution<int>(1, 16)(rng));
    ++steps;
  }
  BOOST_TEST(steps >= n / 2);
  BOOST_TEST(core.count(item_state::done) + core.count(item_state::failed) +
                 core.count(item_state::blocked) ==
             n);
}

// The scheduler tells the status why each waiting story waits, but after an
// event it looks only at take_touched(). What it has told must still equal
// the reasons computed from scratch for every waiting story, at every step of
// a random run with failures, holds, given-back stories and conflicts set and
// cleared (the ones that would be missed if a neighbour were not touched).
BOOST_AUTO_TEST_CASE(touched_stories_cover_every_changed_reason) {
  std::mt19937 rng(29);
  std::vector<schedule_item> items;
  const int n = 1000;
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  for (int i = 0; i < n; ++i) {
    schedule_item it;
    it.id = fmt::format("S-{:05}", i);
    it.priority = pick(20);
    for (int k = pick(4); k > 0 && i > 0; --k)
      it.depends_on.push_back(fmt::format("S-{:05}", pick(i)));
    items.push_back(it);
  }
  scheduler_core core(items, 6);
  auto reason = [&](const std::string& id) {
    std::string r = fmt::format("deps {}", fmt::join(core.blockers_of(id), ","));
    for (const auto& [other, why] : core.conflicting_running(id))
      r += " conflict " + other;
    return r;
  };
  std::map<std::string, std::string> told;
  auto tell = [&] {
    for (const auto& id : core.take_touched())
      told[id] = reason(id);
  };
  tell();
  BOOST_TEST(told.size() == static_cast<std::size_t>(n)); // everyone, at the start
  std::vector<std::string> running;
  int steps = 0, checked = 0;
  while (!core.finished() && steps < 3000) {
    for (const auto& id : core.take_startable())
      running.push_back(id);
    if (pick(4) == 0) { // a conflict found (or re-checked) between two stories
      auto a = items[static_cast<std::size_t>(pick(n))].id;
      auto b = items[static_cast<std::size_t>(pick(n))].id;
      if (pick(2) == 0)
        core.set_exclusive(a, b, "f.txt");
      else
        core.clear_exclusive(a);
    }
    if (!running.empty()) {
      auto at = static_cast<std::size_t>(pick(static_cast<int>(running.size())));
      auto id = running[at];
      running.erase(running.begin() + static_cast<long>(at));
      const int roll = pick(100);
      if (roll < 3)
        core.mark_failed(id, "test");
      else if (roll < 6)
        core.mark_waiting(id);
      else if (roll < 8)
        core.hold(id);
      else
        core.mark_done(id);
    }
    tell();
    for (const auto& id : core.ids())
      if (core.state_of(id) == item_state::waiting) {
        BOOST_REQUIRE_MESSAGE(told[id] == reason(id), fmt::format("step {}: {} told '{}', now '{}'",
                                                                  steps, id, told[id], reason(id)));
        ++checked;
      }
    ++steps;
  }
  BOOST_TEST(steps > 100);
  BOOST_TEST(checked > 10000);
}

// run --watch and landing admit stories one at a time, and the core redoes
// only what each one touches. After every event — a new story, one named by
// others before it joined, changed dependencies, a cycle refused, a story
// sent back, finished, held — it must equal a core built from scratch on the
// same plan: the same states, weights, blockers and start order; and every
// waiting story whose reason moved must have been touched.
BOOST_AUTO_TEST_CASE(admits_equal_a_plan_built_from_scratch) {
  std::mt19937 rng(41);
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  const int n = 300;
  auto id_of = [](int i) { return fmt::format("S-{:03}", i); };
  std::vector<std::string> order; // the plan in input order, as the core keeps it
  std::map<std::string, schedule_item> given;
  std::set<std::string> done, held;
  auto plan_with = [&](const schedule_item* change) {
    std::vector<schedule_item> items;
    for (const auto& id : order)
      items.push_back(change && change->id == id ? *change : given.at(id));
    if (change && !given.count(change->id)) items.push_back(*change);
    return items;
  };
  for (int i = 0; i < n / 3; ++i) { // acyclic to start: dependencies on earlier ones
    schedule_item it{id_of(i), pick(5), {}, 1.0 + pick(4)};
    for (int k = pick(3); k > 0 && i > 0; --k)
      it.depends_on.push_back(id_of(pick(i)));
    order.push_back(it.id);
    given[it.id] = it;
  }
  scheduler_core core(plan_with(nullptr), 4);
  core.keep_open();
  auto reason = [&](const std::string& id) {
    return fmt::format("deps {}", fmt::join(core.blockers_of(id), ","));
  };
  std::map<std::string, std::string> told;
  int admitted = 0, refused = 0, sent_back = 0, checked = 0;
  for (int step = 0; step < 1500; ++step) {
    const int roll = pick(10);
    if (roll < 5) { // any story, new or known, naming any others: later ones, cycles
      schedule_item it{id_of(pick(n)), pick(5), {}, 1.0 + pick(4)};
      for (int k = pick(4); k > 0; --k)
        it.depends_on.push_back(id_of(pick(n)));
      bool cyclic = false;
      try {
        scheduler_core check(plan_with(&it), 1);
      } catch (const sdlc::error&) {
        cyclic = true;
      }
      if (held.count(it.id)) {
        core.admit(it); // held: not taken twice, nothing changes
      } else if (cyclic) {
        BOOST_CHECK_THROW(core.admit(it), sdlc::error);
        ++refused;
      } else {
        core.admit(it);
        if (!given.count(it.id)) order.push_back(it.id);
        given[it.id] = it;
        done.erase(it.id);
        ++admitted;
      }
    } else if (roll < 7 && !done.empty()) { // landing sent it back
      auto id = *std::next(done.begin(), pick(static_cast<int>(done.size())));
      const double work = 1.0 + pick(4);
      core.readmit(id, work);
      given[id].work = work;
      done.erase(id);
      ++sent_back;
    } else if (auto ready = core.ready_now(); roll < 9 && !ready.empty()) {
      auto id = ready[static_cast<std::size_t>(pick(static_cast<int>(ready.size())))];
      core.mark_done(id);
      done.insert(id);
    } else if (!held.empty()) { // approved
      core.mark_waiting(*held.begin());
      held.erase(held.begin());
    } else if (!ready.empty()) {
      core.hold(ready.front());
      held.insert(ready.front());
    }
    for (const auto& id : core.take_touched())
      told[id] = reason(id);

    scheduler_core ref(plan_with(nullptr), 4);
    for (const auto& id : done)
      ref.mark_done(id);
    for (const auto& id : held)
      ref.hold(id);
    BOOST_REQUIRE(core.ids() == order);
    BOOST_REQUIRE_MESSAGE(core.ready_now() == ref.ready_now(), "start order at step " << step);
    for (const auto& id : order) {
      BOOST_REQUIRE_MESSAGE(core.state_of(id) == ref.state_of(id), id << " at step " << step);
      BOOST_REQUIRE_MESSAGE(core.weight_of(id) == ref.weight_of(id), id << " at step " << step);
      BOOST_REQUIRE(core.blockers_of(id) == ref.blockers_of(id));
      if (core.state_of(id) == item_state::waiting) {
        BOOST_REQUIRE_MESSAGE(told[id] == reason(id), id << " not touched at step " << step);
        ++checked;
      }
    }
  }
  BOOST_TEST(admitted > 300);
  BOOST_TEST(refused > 10);
  BOOST_TEST(sent_back > 50);
  BOOST_TEST(checked > 50000);
}

// Weights are the work down the longest chain; a board that is one chain of
// 200,000 stories must be weighed without recursing once per link.
BOOST_AUTO_TEST_CASE(a_chain_of_200000_stories_is_weighed_without_recursion) {
  const int n = 200000;
  std::vector<schedule_item> items;
  for (int i = 0; i < n; ++i)
    items.push_back(
        {fmt::format("S-{:06}", i), 1,
         i ? std::vector<std::string>{fmt::format("S-{:06}", i - 1)} : std::vector<std::string>{},
         1});
  scheduler_core core(std::move(items), 4);
  BOOST_TEST(core.weight_of("S-000000") == double(n));
  BOOST_TEST(core.weight_of(fmt::format("S-{:06}", n - 1)) == 1.0);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"S-000000"});
}
