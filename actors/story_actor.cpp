#include "actors/story_actor_state.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <cstdlib>

namespace sdlc {

namespace story_detail {

void emit(story_ptr self, event_kind kind, action_type action, const std::string& text) {
  caf::anon_send(self->state.parent,
                 story_event{self->state.story_id, kind, action, text, time::now_ms()});
}

void finish(story_ptr self, story_result result, const std::string& detail) {
  auto& st = self->state;
  if (st.session)
    st.session->log("orchestrator",
                    fmt::format("run ends for this story: {} {}", to_string(result), detail));
  caf::anon_send(st.parent, story_finished{st.story_id, result, detail, time::now_ms()});
  self->quit();
}

// The node running this story went away (killed, disconnected) or refused
// the job: the actor dies abnormally, and its supervisor restarts it from
// the checkpoint on another slot — another node or this machine.
void node_lost(story_ptr self, const std::string& why) {
  auto& st = self->state;
  if (!st.where || !st.where->remote) return;
  auto node = st.where->node;
  st.pool->lost(node);
  auto what =
      fmt::format("node {} lost: {}; the story goes on elsewhere from its checkpoint", node, why);
  if (st.session) st.session->log("orchestrator", what);
  emit(self, event_kind::note, action_type::none, what);
  self->quit(caf::make_error(caf::sec::runtime_error, "node lost"));
}

// Test hook (docs/architecture.md): SDLC_FAULT_CRASH_STORY=S-0002:implement
// makes that story's actor die abnormally, once, just before that action.
bool fault_injected(story_ptr self, action_type a) {
  const char* spec = std::getenv("SDLC_FAULT_CRASH_STORY");
  if (!spec || self->state.incarnation > 0) return false;
  return std::string(spec) == self->state.story_id + ":" + std::string(to_string(a));
}

// A done story's worktree here (unless kept) and on any node is dropped (the
// branch stays on the shared remote and here); the story ends when every
// node has answered, so the run does not exit with the requests unsent.
void finish_done(story_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (auto kept = st.session->drop_worktree_if_done()) {
    st.session->log("orchestrator", *kept);
    emit(self, event_kind::note, action_type::none, *kept);
  }
  auto nodes = st.pool ? st.pool->up_handles() : std::vector<node_actor>{};
  const auto branch = st.session->current().str("branch");
  if (nodes.empty() || branch.empty()) {
    finish(self, story_result::done, reason);
    return;
  }
  st.done_reason = reason;
  auto left = std::make_shared<size_t>(nodes.size());
  auto one_answered = [=] {
    if (--*left == 0) finish(self, story_result::done, reason);
  };
  for (const auto& n : nodes)
    self->request(n, std::chrono::seconds(10), atoms::forget::value, st.pool->settings.repo_url,
                  branch)
        .then([=](bool) { one_answered(); }, [=](caf::error&) { one_answered(); });
}

// Step mode: whether the run asked for no more agent actions for this story
// (then it ends), or for a different one than it needs now (a person or the
// other tool moved it since the run chose it).
bool step_limit_reached(story_ptr self, action_type next) {
  auto& st = self->state;
  if (st.opts.max_actions > 0 && st.agent_actions >= st.opts.max_actions) {
    // A failed action is not a step done: the run's exit code says so. The
    // story is not blocked (retries are left); the next run tries it again.
    if (st.last_failure)
      finish(self, story_result::step_failed,
             fmt::format("{}; next: {} again (`run --story {}` retries it)", *st.last_failure,
                         to_string(next), st.story_id));
    else
      finish(self, story_result::step_done,
             fmt::format("next: {} (`run --story {}` runs it; `--auto` runs the rest)",
                         to_string(next), st.story_id));
    return true;
  }
  if (st.agent_actions == 0 && st.opts.only_action && *st.opts.only_action != next) {
    finish(self, story_result::stopped,
           fmt::format("its next action is {} now, not {}", to_string(next),
                       to_string(*st.opts.only_action)));
    return true;
  }
  ++st.agent_actions;
  return false;
}

void step(story_ptr self) {
  auto& st = self->state;
  if (st.stopping || st.draining) {
    finish(self, story_result::interrupted, "");
    return;
  }
  decision d;
  try {
    d = st.session->next();
  } catch (const std::exception& e) {
    finish(self, story_result::failed, e.what());
    return;
  }
  switch (d.action) {
  case action_type::none: {
    auto status = st.session->current().status();
    if (status == story_status::done) {
      finish_done(self, d.reason);
      return;
    }
    finish(self, status == story_status::blocked ? story_result::blocked : story_result::stopped,
           d.reason);
    return;
  }
  case action_type::await_approval:
    // The slot goes back to the run; the scheduler brings the story back
    // once a person approves (or gives feedback).
    st.session->log("orchestrator", d.reason);
    finish(self, story_result::awaiting_approval, d.reason);
    return;
  case action_type::block:
  case action_type::move_to_done:
  case action_type::create_pr:
    try {
      st.session->run_inline(d);
    } catch (const std::exception& e) {
      finish(self, story_result::failed, e.what());
      return;
    }
    emit(self, event_kind::action_finished, d.action, d.reason);
    step(self);
    return;
  case action_type::review: {
    if (step_limit_reached(self, d.action)) return;
    auto checks = st.session->review_checks();
    st.pending_checks.assign(checks.begin(), checks.end());
    run_next_check(self);
    return;
  }
  default:
    if (step_limit_reached(self, d.action)) return;
    if (fault_injected(self, d.action)) {
      st.session->log("orchestrator", "fault injection: crashing the story actor");
      self->quit(caf::make_error(caf::sec::runtime_error, "fault injection"));
      return;
    }
    try {
      run_agent(self, d.action);
    } catch (const std::exception& e) {
      emit(self, event_kind::action_failed, d.action, e.what());
      finish(self, story_result::failed, e.what());
    }
    return;
  }
}

// Once per incarnation: a slot (here or on a node), the session, the notes.
void begin(story_ptr self) {
  auto& st = self->state;
  if (st.pool && !st.where) {
    st.where = st.pool->acquire(st.story_id);
    if (!st.where) { // every slot taken (a node just went away): ask again soon
      self->delayed_send(self, std::chrono::milliseconds(250), atoms::step::value);
      return;
    }
    if (st.where->remote) self->monitor(st.where->handle);
    emit(self, event_kind::node, action_type::none, st.where->remote ? st.where->node : "local");
  }
  st.started = true;
  try {
    st.session = std::make_unique<story_session>(st.initial_board, st.story_id, st.opts);
    st.story_id = st.session->id();
    emit(self, event_kind::story_started, action_type::none,
         st.session->the_board().rel(st.session->log_file()));
    for (const auto& note : st.session->begin())
      emit(self, event_kind::note, action_type::none, note);
    if (st.session->cwd() != st.session->the_board().project_root()) {
      emit(self, event_kind::worktree, action_type::none,
           st.session->the_board().rel(st.session->cwd()));
      emit(self, event_kind::branch, action_type::none, st.session->current().str("branch"));
    }
  } catch (const std::exception& e) {
    finish(self, story_result::failed, e.what());
    return;
  }
  step(self);
}

story_actor::behavior_type story_behavior(story_ptr self, story_report_actor parent,
                                          agent_listener_actor display, board b,
                                          std::string story_id, session_options opts,
                                          int incarnation, std::shared_ptr<node_pool> pool) {
  auto& st = self->state;
  st.incarnation = incarnation;
  st.pool = std::move(pool);
  st.parent = std::move(parent);
  st.display = std::move(display);
  st.initial_board = std::move(b);
  st.story_id = std::move(story_id);
  st.opts = std::move(opts);
  self->set_down_handler([=](caf::down_msg& m) {
    auto& s = self->state;
    if (s.where && s.where->remote && m.source == s.where->handle.address())
      node_lost(self, "its connection closed (" + self->system().render(m.reason) + ")");
  });
  // An agent's events (from the executor or the node) are logged here; the
  // display got them directly.
  auto log = [=](const char* who, const std::string& line) {
    if (self->state.session) self->state.session->log(who, line);
  };
  return {
      [=](atoms::step) {
        if (self->state.started)
          step(self);
        else
          begin(self);
      },
      [=](story_event& e) {
        log(e.kind == event_kind::killed ? "orchestrator" : "agent",
            fmt::format("{} {} {}", to_string(e.action), to_string(e.kind), e.text));
      },
      [=](agent_progress& p) {
        log("agent", fmt::format("{} progress {}% {}", to_string(p.action), p.percent, p.message));
      },
      [=](process_started& p) {
        auto& s = self->state;
        log("orchestrator", fmt::format("{} process started: pid {}{}", to_string(p.action), p.pid,
                                        p.node.empty() ? "" : " on node " + p.node));
        // A node's pid is that machine's: not ours to record or kill.
        if (s.session && p.node.empty() && s.running) s.session->record_agent_process(p.pid);
      },
      [=](atoms::drain) {
        auto& s = self->state;
        s.draining = true;
        if (s.done_reason) { // done already: the nodes' cleanup is not worth waiting for
          finish(self, story_result::done, *s.done_reason);
          return;
        }
        if (!s.running && !s.executor && !s.remote_busy)
          finish(self, story_result::interrupted, "");
      },
      [=](atoms::shutdown) {
        auto& s = self->state;
        s.stopping = true;
        if (s.done_reason) {
          finish(self, story_result::done, *s.done_reason);
          return;
        }
        if (s.remote_busy) // the node stops the agent when this actor is gone
          finish(self, story_result::interrupted, "during a job on node " + s.where->node);
        else if (s.executor)
          caf::anon_send(s.executor, atoms::shutdown::value);
        else if (!s.running)
          finish(self, story_result::interrupted, "");
      },
  };
}

} // namespace story_detail

story_actor spawn_story_actor(caf::actor_system& sys, story_report_actor parent,
                              agent_listener_actor display, board b, std::string story_id,
                              session_options opts, int incarnation,
                              std::shared_ptr<node_pool> pool) {
  // Detached: story work includes file locks and libgit2 calls that block.
  return sys.spawn<caf::detached>(story_detail::story_behavior, std::move(parent),
                                  std::move(display), std::move(b), std::move(story_id),
                                  std::move(opts), incarnation, std::move(pool));
}

} // namespace sdlc
