#include "actors/scheduler_state.hpp"

#include "actors/merge_queue.hpp"
#include "runtime/schedule/run_rivals.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/approval.hpp"
#include "runtime/workflow/transitions.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <chrono>

namespace sdlc {

namespace scheduler_detail {

void note(scheduler_ptr self, const std::string& story, const std::string& text) {
  caf::anon_send(self->state.status,
                 story_event{story, event_kind::note, action_type::none, text, time::now_ms()});
}

// Only this file's handlers call these; the header declares what the watch
// half calls too.
namespace {

// Why a waiting story waits, as the status shows it.
story_waiting waiting_of(scheduler_ptr self, const std::string& id) {
  auto& st = self->state;
  story_waiting w{id, wait_cause::slot, {}, "waiting for a free slot", time::now_ms()};
  if (st.budget_stop) {
    w.cause = wait_cause::budget;
    w.text = "not started: " + *st.budget_stop;
  } else if (auto blockers = st.core->blockers_of(id); !blockers.empty()) {
    w.cause = wait_cause::dependency;
    w.on = blockers;
    w.text = fmt::format("waits for {}", fmt::join(blockers, ", "));
  } else if (auto rivals = st.core->conflicting_running(id); !rivals.empty()) {
    w.cause = wait_cause::conflict;
    for (const auto& r : rivals)
      w.on.push_back(r.first);
    w.text = fmt::format("waits for {}: may conflict (shared: {})", rivals.front().first,
                         rivals.front().second);
  }
  return w;
}

} // namespace

void step(scheduler_ptr self) {
  auto& st = self->state;
  for (const auto& id : st.core->take_startable())
    caf::anon_send(st.supervisor, atoms::start::value, id);
  // Only the stories whose reason may have moved, and only real changes: an
  // event costs its neighbours, not the board (issue 17).
  for (const auto& id : st.core->take_touched()) {
    auto w = waiting_of(self, id);
    if (auto& told = st.told_waiting[id]; told != w.text) {
      told = w.text;
      caf::anon_send(st.status, std::move(w));
    }
  }
  if (st.core->finished() && (st.landing.empty() || st.interrupted) && !st.reported) {
    st.reported = true;
    if (st.lane) caf::anon_send(st.lane, atoms::shutdown::value);
    int code = st.interrupted                                              ? 130
               : st.any_failed || st.budget_stop || !st.not_landed.empty() ? 1
                                                                           : 0;
    caf::anon_send(st.coordinator, atoms::done::value, code);
  }
}

namespace {

// How soon `approve` typed in another terminal is seen: about this long.
constexpr auto held_poll_interval = std::chrono::milliseconds(500);

void poll_held_later(scheduler_ptr self) {
  auto& st = self->state;
  if (st.polling || st.core->held().empty()) return;
  st.polling = true;
  self->delayed_send(self, held_poll_interval, atoms::poll::value);
}

// A person acts on the board, not on the run: held stories are read again
// and the ones approved (or given feedback) go back to the queue.
void poll_held(scheduler_ptr self) {
  auto& st = self->state;
  st.polling = false;
  if (st.core->closed()) return;
  auto limits = limits_of(st.the_board->cfg());
  for (const auto& id : st.core->held()) {
    std::optional<std::string> why;
    try {
      why = approval_released(st.the_board->find(id), limits);
    } catch (const std::exception&) {
      continue; // mid-write by the other tool, or unreadable: look again next time
    }
    if (!why) continue;
    st.core->mark_waiting(id);
    st.told_waiting.erase(id);
    note(self, id, *why);
  }
  step(self);
  poll_held_later(self);
}

} // namespace

// A story's files are known anew, as it joins the run or after it changed
// its branch. conflicts.policy serialize: it and its rivals never run at
// once. warn: a story joining a watch is warned about, as the start warns
// about its own stories.
void on_story_files(scheduler_ptr self, story_files files, bool joining) {
  auto& st = self->state;
  if (!st.overlaps) return; // the run checks no conflicts (conflicts.policy ignore)
  const auto id = files.id;
  st.overlaps->update(std::move(files));
  auto rivals = run_rivals(*st.overlaps, st.opts.conflicts->depends, *st.core, id);
  if (st.opts.serialize_conflicts) {
    st.core->clear_exclusive(id);
    for (const auto& [other, shared] : rivals)
      st.core->set_exclusive(id, other, fmt::format("{}", fmt::join(shared, ", ")));
  } else if (joining) {
    for (const auto& [other, shared] : rivals)
      note(self, id,
           fmt::format("warning: {} may conflict with {} (shared: {})", id, other,
                       fmt::join(shared, ", ")));
  }
}

namespace {

void on_finished(scheduler_ptr self, const story_finished& f) {
  auto& st = self->state;
  caf::anon_send(st.status, f);
  switch (f.result) {
  case story_result::done:
    st.core->mark_done(f.story);
    if (st.lane) {
      st.landing.insert(f.story);
      caf::anon_send(st.lane, atoms::land::value, f.story);
    }
    // Its worktree went in its own actor (story_session::drop_worktree_if_done);
    // with the lane on, the worktree is the lane's: a conflict is handed over
    // in it, and it goes once the story has landed.
    remember_end(self, f.story);
    break;
  case story_result::step_done: // as asked; its worktree stays for the next step
  case story_result::step_failed:
    // A failed step blocks nothing (its retries are left): it ends the run
    // with exit code 1, as any failure does.
    if (f.result == story_result::step_failed) st.any_failed = true;
    st.core->mark_done(f.story);
    remember_end(self, f.story);
    break;
  case story_result::awaiting_approval:
    st.core->hold(f.story);
    caf::anon_send(st.status,
                   story_waiting{f.story,
                                 wait_cause::approval,
                                 {},
                                 fmt::format("awaiting approval: sdlc-actors approve {} (or "
                                             "feedback {} \"...\")",
                                             f.story, f.story),
                                 time::now_ms()});
    poll_held_later(self);
    break;
  case story_result::interrupted:
    st.interrupted = true;
    st.core->mark_waiting(f.story);
    st.core->close();
    break;
  case story_result::blocked:
  case story_result::failed:
  case story_result::stopped: {
    st.any_failed = true;
    auto as = f.result == story_result::blocked ? item_state::blocked : item_state::failed;
    for (const auto& [dep, reason] : st.core->mark_failed(f.story, f.detail, as)) {
      if (st.opts.write_blocks) {
        try {
          st.the_board->update(
              dep, [&reason = reason, &f](story& s) { block_for_dependency(s, reason, f.story); });
        } catch (const std::exception&) {
          // The story file may be unreadable; the run result still says why.
        }
      }
      caf::anon_send(st.status, story_finished{dep, story_result::blocked, reason, time::now_ms()});
      remember_end(self, dep);
    }
    remember_end(self, f.story);
    if (st.opts.fail_fast) {
      st.core->close();
      caf::anon_send(st.supervisor, atoms::drain::value);
    }
    break;
  }
  }
  step(self);
}

// The lane's word on a story: landed; sent back (it reworks in this run: it
// joins the schedule again); blocked past the rework cap; or waiting, when
// the lane stopped (the run ends saying so).
void on_landing(scheduler_ptr self, const landing_event& e) {
  auto& st = self->state; // the lane told the status itself
  st.landing.erase(e.story);
  switch (e.kind) {
  case landing_kind::sent_back:
    if (!st.core->closed()) {
      double work = 1.0; // unreadable now: weighed as one action, and its start says why
      try {
        work = expected_work(st.the_board->find(e.story));
      } catch (const std::exception&) {
      }
      st.core->readmit(e.story, work);
      st.told_waiting.erase(e.story);
    }
    break;
  case landing_kind::blocked:
    st.any_failed = true;
    break;
  case landing_kind::waiting:
    st.not_landed.insert(e.story);
    break;
  case landing_kind::landed:
  case landing_kind::progress:
  case landing_kind::pr_opened: // merge_queue tells only the status
    break;
  }
  step(self);
}

// After implement/rework a story's branch changed: its overlaps with the
// other stories are found again (the others' files are as last seen).
void recheck_conflicts(scheduler_ptr self, const std::string& id, std::vector<std::string> files) {
  on_story_files(
      self,
      story_files{id,
                  {std::make_move_iterator(files.begin()), std::make_move_iterator(files.end())}},
      false);
}

// The run's budget: once spent, no new story starts (running ones finish).
void on_usage(scheduler_ptr self, const usage_report& u) {
  auto& st = self->state;
  st.run_cost += u.cost_usd;
  if (st.budget_stop) return;
  if (auto why = run_over_budget(st.run_cost, st.opts.budget)) {
    st.budget_stop = why;
    st.core->close();
    st.core->touch_all(); // every waiting story now waits for the budget
    note(self, "", *why);
  }
}

} // namespace

} // namespace scheduler_detail

using namespace scheduler_detail;

scheduler_actor::behavior_type scheduler_behavior(scheduler_ptr self, coordinator_actor coordinator,
                                                  board b, scheduler_core core, status_actor status,
                                                  scheduler_options opts) {
  auto& st = self->state;
  st.coordinator = std::move(coordinator);
  st.the_board = std::make_unique<board>(std::move(b));
  st.core = std::make_unique<scheduler_core>(std::move(core));
  st.status = std::move(status);
  st.opts = std::move(opts);
  // Its own supervisor: reports come straight here, and it goes with us.
  st.supervisor =
      spawn_story_supervisor(self->system(), self, st.opts.make_story, st.opts.restarts);
  self->link_to(st.supervisor);
  if (st.opts.land) {
    st.lane = spawn_merge_queue(self->system(), *st.the_board, self, st.status);
    self->link_to(st.lane);
  }
  if (st.opts.watch) {
    st.core->keep_open();
    self->delayed_send(self, st.opts.watch_every, atoms::watch::value);
  }
  if (st.opts.conflicts) // scanned: conflicts.policy serialize or warn
    st.overlaps.emplace(st.opts.conflicts->stories);
  if (st.opts.serialize_conflicts && st.opts.conflicts)
    for (const auto& c : st.opts.conflicts->conflicts)
      if (c.severity == conflict_severity::high)
        st.core->set_exclusive(c.a, c.b, fmt::format("{}", fmt::join(c.shared, ", ")));
  return {
      [=](atoms::step) { step(self); },
      [=](atoms::poll) { poll_held(self); },
      [=](atoms::watch) { watch_board(self); },
      [=](landing_event& e) { on_landing(self, e); },
      [=](story_event& e) {
        if (e.kind == event_kind::action_finished && e.files_known)
          recheck_conflicts(self, e.story, std::move(e.files));
        caf::anon_send(self->state.status, std::move(e));
      },
      [=](usage_report& u) {
        on_usage(self, u);
        caf::anon_send(self->state.status, std::move(u));
        step(self); // a spent budget changes why the others wait
      },
      [=](concurrency_level& l) {
        auto& s = self->state;
        if (l.level == s.core->capacity()) return;
        s.core->set_capacity(l.level);
        caf::anon_send(s.status, l);
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

scheduler_actor spawn_scheduler(caf::actor_system& sys, coordinator_actor coordinator, board b,
                                scheduler_core core, status_actor status, scheduler_options opts) {
  // Detached: it writes story files and removes worktrees (blocking I/O).
  return sys.spawn<caf::detached>(scheduler_behavior, std::move(coordinator), std::move(b),
                                  std::move(core), std::move(status), std::move(opts));
}

} // namespace sdlc
