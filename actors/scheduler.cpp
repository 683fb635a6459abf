#include "actors/scheduler.hpp"

#include "runtime/git/worktree_service.hpp"
#include "runtime/workflow/transitions.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sdlc {

namespace {

struct scheduler_state {
  caf::actor coordinator;
  std::unique_ptr<board> the_board;
  std::unique_ptr<scheduler_core> core;
  supervisor_actor supervisor;
  status_actor status;
  scheduler_options opts;
  bool interrupted = false;
  bool any_failed = false;
  bool reported = false;
  std::map<std::string, std::string> told_waiting; // last "waiting" reason sent per story
  double run_cost = 0;
  std::optional<std::string> budget_stop; // why no more stories start
  static inline const char* name = "scheduler";
};

using scheduler_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

void tell_status(scheduler_ptr self, const std::string& id, const std::string& kind,
                 const std::string& action, const std::string& detail) {
  caf::anon_send(self->state.status, story_event{id, kind, action, detail, time::now_ms()});
}

void step(scheduler_ptr self) {
  auto& st = self->state;
  for (const auto& id : st.core->take_startable())
    caf::anon_send(st.supervisor, atoms::start::value, id);
  for (const auto& id : st.core->ids())
    if (st.core->state_of(id) == item_state::waiting) {
      auto blockers = st.core->blockers_of(id);
      auto rivals = st.core->conflicting_running(id);
      std::string why = "waiting for a free slot";
      if (!blockers.empty())
        why = fmt::format("waits for {}", fmt::join(blockers, ", "));
      else if (!rivals.empty())
        why = fmt::format("waits for {}: may conflict (shared: {})", rivals.front().first,
                          rivals.front().second);
      // Only changes: a board of hundreds would otherwise flood the status actor.
      if (st.told_waiting[id] != why) {
        st.told_waiting[id] = why;
        tell_status(self, id, "waiting", "", why);
      }
    }
  if (st.core->finished() && !st.reported) {
    st.reported = true;
    int code = st.interrupted ? 130 : st.any_failed || st.budget_stop ? 1 : 0;
    caf::anon_send(st.coordinator, atoms::done::value, code);
  }
}

void on_finished(scheduler_ptr self, const story_finished& f) {
  auto& st = self->state;
  tell_status(self, f.story_id, "finished", f.result, f.detail);
  if (f.result == "done") {
    st.core->mark_done(f.story_id);
    if (!st.opts.keep_worktrees) {
      try {
        auto s = st.the_board->find(f.story_id);
        if (!s.str("worktree_path").empty()) {
          git::worktree_service(st.the_board->project_root(),
                                st.the_board->cfg().worktree_base_path)
              .remove_owned(git::worktree_service::name_for(s.id(), s.slug()), s.id(), false);
          st.the_board->update(s.id(), [](story& x) { x.erase("worktree_path"); });
        }
      } catch (const std::exception& e) {
        tell_status(self, f.story_id, "note", "", std::string("worktree kept: ") + e.what());
      }
    }
  } else if (f.result == "interrupted") {
    st.interrupted = true;
    st.core->mark_waiting(f.story_id);
    st.core->close();
  } else {
    st.any_failed = true;
    auto as = f.result == "blocked" ? item_state::blocked : item_state::failed;
    for (const auto& blocked : st.core->mark_failed(f.story_id, f.detail, as)) {
      const auto& [dep, reason] = blocked;
      if (st.opts.write_blocks) {
        try {
          st.the_board->update(dep, [&blocked](story& s) { block(s, blocked.second); });
        } catch (const std::exception&) {
          // The story file may be unreadable; the run result still says why.
        }
      }
      tell_status(self, dep, "finished", "blocked", reason);
    }
    if (st.opts.fail_fast) {
      st.core->close();
      caf::anon_send(st.supervisor, atoms::drain::value);
    }
  }
  step(self);
}

// After implement/rework a story's branch changed: its overlaps with the
// other stories are classified again (the others' files are as last seen).
void recheck_conflicts(scheduler_ptr self, const std::string& id) {
  auto& st = self->state;
  if (!st.opts.serialize_conflicts || !st.opts.conflicts) return;
  auto& scan = *st.opts.conflicts;
  try {
    auto now = files_of(*st.the_board, st.the_board->find(id), scan.base_branch);
    st.core->clear_exclusive(id);
    for (auto& other : scan.stories) {
      if (other.id == id) {
        other = now;
        continue;
      }
      const auto& ids = st.core->ids();
      if (scan.related(id, other.id) || std::find(ids.begin(), ids.end(), other.id) == ids.end() ||
          st.core->state_of(other.id) == item_state::done)
        continue;
      auto c = classify(other, now);
      if (c.severity == conflict_severity::high)
        st.core->set_exclusive(id, other.id, fmt::format("{}", fmt::join(c.shared, ", ")));
    }
  } catch (const std::exception& e) {
    tell_status(self, id, "note", "", std::string("conflict re-check failed: ") + e.what());
  }
}

// The run's budget: once spent, no new story starts (running ones finish).
void on_usage(scheduler_ptr self, const std::string& detail) {
  auto& st = self->state;
  long long in = 0, out = 0;
  double cost = 0;
  if (std::sscanf(detail.c_str(), "%lld %lld %lf", &in, &out, &cost) != 3) return;
  st.run_cost += cost;
  if (st.budget_stop) return;
  if (auto why = run_over_budget(st.run_cost, st.opts.budget)) {
    st.budget_stop = why;
    st.core->close();
    tell_status(self, "", "note", "", *why);
    for (const auto& id : st.core->ids())
      if (st.core->state_of(id) == item_state::waiting)
        tell_status(self, id, "waiting", "", "not started: " + *why);
  }
}

} // namespace

scheduler_actor::behavior_type scheduler_behavior(scheduler_ptr self, caf::actor coordinator,
                                                  board b, scheduler_core core,
                                                  supervisor_actor supervisor, status_actor status,
                                                  scheduler_options opts) {
  auto& st = self->state;
  st.coordinator = std::move(coordinator);
  st.the_board = std::make_unique<board>(std::move(b));
  st.core = std::make_unique<scheduler_core>(std::move(core));
  st.supervisor = std::move(supervisor);
  st.status = std::move(status);
  st.opts = opts;
  if (st.opts.serialize_conflicts && st.opts.conflicts)
    for (const auto& c : st.opts.conflicts->conflicts)
      if (c.severity == conflict_severity::high)
        st.core->set_exclusive(c.a, c.b, fmt::format("{}", fmt::join(c.shared, ", ")));
  return {
      [=](atoms::step) { step(self); },
      [=](story_event& e) {
        if (e.kind == "usage") on_usage(self, e.detail);
        if (e.kind == "action_finished" && (e.action == "implement" || e.action == "rework"))
          recheck_conflicts(self, e.story_id);
        caf::anon_send(self->state.status, std::move(e));
      },
      [=](atoms::scale, int level) {
        auto& s = self->state;
        if (level == s.core->capacity()) return;
        tell_status(self, "", "level", "", std::to_string(level));
        s.core->set_capacity(level);
        step(self);
      },
      [=](story_finished& f) { on_finished(self, f); },
      [=](atoms::drain) {
        auto& s = self->state;
        s.interrupted = true;
        s.core->close();
        caf::anon_send(s.supervisor, atoms::drain::value);
        step(self);
      },
      [=](atoms::shutdown) {
        auto& s = self->state;
        s.interrupted = true;
        s.core->close();
        caf::anon_send(s.supervisor, atoms::shutdown::value);
        step(self);
      },
  };
}

scheduler_actor spawn_scheduler(caf::actor_system& sys, caf::actor coordinator, board b,
                                scheduler_core core, supervisor_actor supervisor,
                                status_actor status, scheduler_options opts) {
  // Detached: it writes story files and removes worktrees (blocking I/O).
  return sys.spawn<caf::detached>(scheduler_behavior, std::move(coordinator), std::move(b),
                                  std::move(core), std::move(supervisor), std::move(status), opts);
}

} // namespace sdlc
