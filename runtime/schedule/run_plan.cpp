#include "runtime/schedule/run_plan.hpp"

#include "runtime/console/dashboard.hpp"
#include "runtime/schedule/simulation.hpp"
#include "runtime/story/dependency_graph.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/text.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fnmatch.h>
#include <set>
#include <unordered_map>
#include <strings.h>

namespace sdlc {

namespace {

using story_index = std::map<std::string, const story*>;

// Ids compare without case (as ai-sdlc's lookups do). Each folded id lists
// its stories in `story_index` order, so the first is what a scan of the
// index would have found — at a map lookup per dependency instead of a scan
// of the board (which made planning O(n²): 20% of a 10,000-story dry run).
using folded_index = std::unordered_map<std::string, std::vector<const story*>>;

folded_index fold(const story_index& by_id) {
  folded_index out;
  out.reserve(by_id.size());
  for (const auto& [id, s] : by_id)
    out[ascii_lower(id)].push_back(s);
  return out;
}

const std::vector<const story*>& lookup(const folded_index& folded, const std::string& id) {
  static const std::vector<const story*> none;
  auto it = folded.find(ascii_lower(id));
  return it == folded.end() ? none : it->second;
}

// The statuses a selection takes when it names no story: its own list, or
// ready + in-progress (+ backlog with --include-backlog, --auto, --epic).
std::set<std::string> selected_statuses(const run_selection& sel) {
  std::set<std::string> statuses(sel.statuses.begin(), sel.statuses.end());
  if (statuses.empty()) {
    statuses = {"ready", "in-progress"};
    if (sel.include_backlog || sel.all || sel.epic) statuses.insert("backlog");
  }
  return statuses;
}

// The epic and label filters of a selection that names no story.
bool passes_filters(const story& s, const run_selection& sel) {
  if (sel.epic && !in_epic(s, *sel.epic)) return false;
  if (sel.labels.empty()) return true;
  auto mine = s.labels();
  return std::any_of(sel.labels.begin(), sel.labels.end(), [&](const std::string& l) {
    return std::find(mine.begin(), mine.end(), l) != mine.end();
  });
}

bool names_story(const run_selection& sel, const story& s) {
  return std::any_of(sel.story_ids.begin(), sel.story_ids.end(), [&](const std::string& id) {
    return strcasecmp(id.c_str(), s.id().c_str()) == 0 || id == s.slug();
  });
}

// The stories a selection names: explicit ids, or every story of the
// selected statuses (with the labels asked for), or the interrupted ones.
std::vector<const story*> chosen_stories(const board& b, const run_selection& sel,
                                         const story_index& by_id) {
  std::vector<const story*> chosen;
  if (!sel.story_ids.empty()) {
    for (const auto& id : sel.story_ids) {
      auto s = b.find(id);
      chosen.push_back(by_id.at(s.id()));
    }
    return chosen;
  }
  const auto statuses = selected_statuses(sel);
  for (const auto& [id, s] : by_id) {
    if (!passes_filters(*s, sel)) continue;
    if (sel.resume) {
      std::optional<workflow_state> st;
      try {
        st = workflow_state::load(s->dir());
      } catch (const error&) {
        // a corrupt checkpoint is handled when the story starts
      }
      if ((st && st->interrupted()) || s->status() == story_status::in_progress)
        chosen.push_back(s);
    } else if (statuses.count(s->str("status"))) {
      chosen.push_back(s);
    }
  }
  return chosen;
}

// A story's dependencies looked up once: the stories each names (every case
// variant, in story_index order; empty when none is on the board). Planning
// asked every story's dependencies of its YAML values and the board's index
// four times, each a vector of strings and a lookup per id.
struct resolved_dependency {
  std::string name;
  const std::vector<const story*>* found;
};
using resolved_dependencies = std::vector<resolved_dependency>;

resolved_dependencies resolve(const story& s, const folded_index& folded) {
  resolved_dependencies out;
  for (auto& dep : s.dependencies()) {
    const auto* found = &lookup(folded, dep);
    out.push_back({std::move(dep), found});
  }
  return out;
}

// The stories of a scan, by their place in it: a plan's sets and lists of
// stories are flags and indices, not trees of id strings (a lookup per level,
// a cache miss each, at 100,000 stories).
class story_places {
public:
  explicit story_places(const board_scan& scan)
      : base_(scan.stories.data()), size_(scan.stories.size()) {}
  std::size_t size() const { return size_; }
  std::size_t of(const story* s) const { return static_cast<std::size_t>(s - base_); }

private:
  const story* base_;
  std::size_t size_;
};

// Missing dependencies refuse the run; dependencies that are neither done
// nor in this run keep their dependents out of it (they could never start).
// `in_plan` and `deps` are by place; `by_id` gives the order of the id sets
// this worked on before, so that the same story is named when several fail.
void keep_reachable(std::vector<char>& in_plan, const std::vector<resolved_dependencies>& deps,
                    const story_index& by_id, const story_places& places, run_plan& plan) {
  // The first dependency of `s` that is neither done nor in the plan, in
  // its own order; nullptr when there is none. A dependency not on the board
  // refuses the run.
  auto blocking = [&](const story& s) -> const story* {
    for (const auto& dep : deps[places.of(&s)]) {
      if (dep.found->empty())
        throw bad_input(fmt::format("{} depends on {}, which is not on the board; fix its "
                                    "dependencies before running",
                                    s.id(), dep.name));
      const auto& d = *dep.found->front();
      if (d.status() != story_status::done && !in_plan[places.of(&d)]) return &d;
    }
    return nullptr;
  };
  // A worklist, not passes over the plan until nothing changes: a story is
  // looked at again only when a story it waits for leaves the plan.
  std::vector<std::vector<const story*>> waiting_for(places.size()); // dependency -> stories
  std::vector<char> dropped(places.size());
  std::vector<const story*> left;
  auto drop = [&](const story& s) {
    in_plan[places.of(&s)] = 0;
    dropped[places.of(&s)] = 1;
    left.push_back(&s);
  };
  std::vector<const story*> taken; // in id order, as the plan was when this began
  for (const auto& [id, s] : by_id)
    if (in_plan[places.of(s)]) taken.push_back(s);
  for (const auto* s : taken) {
    if (!in_plan[places.of(s)]) continue;
    if (blocking(*s)) {
      drop(*s);
      continue;
    }
    for (const auto& dep : deps[places.of(s)])
      waiting_for[places.of(dep.found->front())].push_back(s);
  }
  while (!left.empty()) {
    const auto* gone = left.back();
    left.pop_back();
    for (const auto* s : waiting_for[places.of(gone)])
      if (in_plan[places.of(s)] && blocking(*s)) drop(*s);
  }
  // Each named by a dependency of its own outside the plan, the first in its
  // order that was never in it (the cause) before one that left it: the same
  // words whatever order the worklist took.
  for (const auto& [id, s] : by_id) {
    if (!dropped[places.of(s)]) continue;
    const story* named = nullptr;
    for (const auto& dep : deps[places.of(s)]) {
      const auto& d = *dep.found->front();
      if (d.status() == story_status::done || in_plan[places.of(&d)]) continue;
      if (!dropped[places.of(&d)]) {
        named = &d;
        break;
      }
      if (!named) named = &d;
    }
    plan.skipped.emplace_back(id, fmt::format("it depends on {}, which is {} and not in this run",
                                              named->id(), named->str("status")));
  }
}

} // namespace

bool in_epic(const story& s, const std::string& epic) {
  const auto id = epic.rfind("epic-", 0) == 0 ? epic.substr(5) : epic;
  const auto field = s.str("epic");
  if (!field.empty() && (field == id || field == "epic-" + id)) return true;
  const auto pattern = "epic-" + id;
  for (const auto& label : s.labels())
    if (::fnmatch(pattern.c_str(), label.c_str(), 0) == 0) return true;
  return false;
}

std::vector<std::string> dependency_blocks_to_lift(const board_scan& scan,
                                                   const run_selection& sel) {
  if (sel.resume) return {};
  story_index by_id;
  for (const auto& s : scan.stories)
    by_id.emplace(s.id(), &s);
  // Whether the selection takes a story of this status, as chosen_stories decides.
  const auto statuses = selected_statuses(sel);
  auto takes = [&](const story& s, const std::string& status) {
    if (!sel.story_ids.empty()) return names_story(sel, s);
    return passes_filters(s, sel) && statuses.count(status) > 0;
  };
  std::vector<std::string> out;
  for (const auto& s : scan.stories) {
    if (s.status() != story_status::blocked || s.str("blocked_by").empty()) continue;
    auto dep = by_id.find(s.str("blocked_by"));
    if (dep == by_id.end()) continue;
    const auto& d = *dep->second;
    bool cleared = d.status() == story_status::done ||
                   (d.status() != story_status::blocked && takes(d, d.str("status")));
    bool started = s.flag("plan_complete") || s.flag("implementation_complete");
    if (cleared && takes(s, started ? "in-progress" : "ready")) out.push_back(s.id());
  }
  return out;
}

run_plan make_run_plan(const board& b, const run_selection& sel) {
  return make_run_plan(b, b.scan(), sel);
}

run_plan make_run_plan(const board& b, const board_scan& scan, const run_selection& sel) {
  story_index by_id;
  for (const auto& s : scan.stories)
    by_id.emplace(s.id(), &s); // the current layout wins for duplicate ids (scan order)
  auto chosen = chosen_stories(b, sel, by_id);
  for (const auto* s : chosen)
    for (const auto& p : scan.problems)
      if (p.file == s->file()) throw bad_input(p.message);

  run_plan plan;
  if (sel.story_ids.empty())
    for (const auto& p : scan.problems)
      if (!p.duplicate) plan.unreadable.push_back(p);
  const story_places places(scan);
  std::vector<char> in_plan(places.size());
  for (const auto* s : chosen)
    if (s->status() != story_status::done && s->status() != story_status::blocked)
      in_plan[places.of(s)] = 1;
    else
      plan.skipped.emplace_back(s->id(), fmt::format("it is {}", s->str("status")));
  const auto folded = fold(by_id);
  std::vector<resolved_dependencies> deps(places.size());
  for (const auto& [id, s] : by_id)
    if (in_plan[places.of(s)]) deps[places.of(s)] = resolve(*s, folded);
  keep_reachable(in_plan, deps, by_id, places, plan);
  for (const auto* s : chosen) {
    if (!in_plan[places.of(s)]) continue;
    schedule_item it;
    it.id = s->id();
    it.priority = s->priority();
    if (auto o = sel.priority_overrides.find(it.id); o != sel.priority_overrides.end())
      it.priority = o->second;
    for (const auto& d : deps[places.of(s)])
      for (const auto* known : *d.found)
        it.depends_on.push_back(known->id());
    const int actions = expected_actions(*s);
    it.work = expected_work(actions, s->str("estimated_effort"));
    if (auto why = effort_problem(*s)) plan.warnings[it.id] = *why;
    plan.titles[it.id] = s->title();
    plan.files[it.id] = s->file();
    plan.expected_actions[it.id] = actions;
    plan.items.push_back(std::move(it));
  }
  return plan;
}

std::string describe_plan(const run_plan& plan, int capacity, double action_seconds) {
  std::string out;
  if (plan.items.empty()) return "nothing to run\n";
  auto items = plan.items;
  for (auto& it : items)
    it.work *= action_seconds;
  auto sim = simulate(items, capacity);
  const bool scaled = std::any_of(plan.items.begin(), plan.items.end(), [&](const auto& it) {
    return it.work != plan.expected_actions.at(it.id);
  });
  out += fmt::format("plan: {} stories, {} at a time, {:.0f} s per action{}\n\n", items.size(),
                     capacity, action_seconds,
                     scaled ? " (× 0.5 for a small estimated_effort, × 1.5 for a large one)" : "");
  out += fmt::format(" {:>3}  {:<8} {:>8} {:>8}  {:<7} {}\n", "#", "story", "start", "end",
                     "actions", "waits for");
  int n = 0;
  for (const auto& s : sim.starts)
    out += fmt::format(
        " {:>3}  {:<8} {:>8} {:>8}  {:>7} {}\n", ++n, s.id,
        format_duration(static_cast<int64_t>(s.start * 1000)),
        format_duration(static_cast<int64_t>(s.end * 1000)), plan.expected_actions.at(s.id),
        s.waited_for.empty() ? "-" : fmt::format("{}", fmt::join(s.waited_for, ", ")));
  auto levels = simulate_levels(items, capacity);
  out += fmt::format(
      "\nexpected makespan {} (lower bound {}; a level-by-level schedule: {})\n",
      format_duration(static_cast<int64_t>(sim.makespan * 1000)),
      format_duration(static_cast<int64_t>(makespan_lower_bound(items, capacity) * 1000)),
      format_duration(static_cast<int64_t>(levels.makespan * 1000)));
  return out;
}

} // namespace sdlc
