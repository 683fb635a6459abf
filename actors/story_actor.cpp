#include "actors/story_actor.hpp"

#include "actors/executor.hpp"
#include "runtime/agent/agent_command.hpp"
#include "runtime/remote/branch_handoff.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/agent_problem.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <deque>
#include <optional>

namespace sdlc {

namespace {

agent_job job_from(const story_session& s, action_type a, const std::string& check,
                   const spawn_spec& spec, std::chrono::milliseconds wall,
                   std::chrono::milliseconds idle, std::chrono::milliseconds grace) {
  agent_job job;
  job.story = s.id();
  job.action = a;
  job.check = check;
  job.argv = spec.argv;
  job.env = spec.env;
  job.cwd = spec.cwd.string();
  job.wall_ms = wall.count();
  job.idle_ms = idle.count();
  job.result_grace_ms = grace.count();
  return job;
}

struct story_state {
  story_report_actor parent;
  agent_listener_actor display; // the run's status: agents' events go there directly
  std::unique_ptr<story_session> session;
  board initial_board{".", config{}, false};
  std::string story_id;
  session_options opts;
  int incarnation = 0;
  bool started = false;
  bool stopping = false; // shutdown: kill the agent now
  bool draining = false; // drain: finish the current action, then stop
  std::optional<action_type> running;
  api_usage usage_before; // the gateway's count for this story and action when it started
  executor_actor executor;
  std::deque<review_check> pending_checks;
  std::shared_ptr<node_pool> pool; // a run with nodes: where this story runs
  std::optional<placement> where;
  bool remote_busy = false;               // a job is out on a node
  std::optional<std::string> done_reason; // done; the nodes are dropping its worktree

  ~story_state() {
    if (pool) pool->release(story_id);
  }
  static inline const char* name = "story";
};

using story_ptr = story_actor::stateful_pointer<story_state>;
using job_done = std::function<void(const agent_outcome&, const std::string& error)>;

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

void step(story_ptr self);

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

// The job goes to the story's node; what the node committed comes back
// (runtime/remote/branch_handoff).
void run_remote_job(story_ptr self, agent_job job, job_done then) {
  auto& st = self->state;
  const auto& rs = st.pool->settings;
  const auto cwd = st.session->cwd();
  const auto story = st.session->current(); // read once for the branch and the priority
  const auto branch = story.str("branch");
  remote_job rj;
  try {
    rj.sha = remote::hand_over(cwd, rs.repo_url, branch);
  } catch (const std::exception& e) {
    then(agent_outcome{}, e.what());
    return;
  }
  rj.commit_after = job.check.empty() && edits_code(job.action);
  if (rj.commit_after) rj.commit_message = st.session->commit_message(job.action);
  rj.job = std::move(job);
  rj.repo_url = rs.repo_url;
  rj.branch = branch;
  rj.upstream = rs.upstream;
  rj.gateway_base = rs.gateway_base;
  rj.gateway_token = rs.gateway_token;
  rj.priority = story.priority();
  rj.story = self;
  rj.display = st.display;
  rj.limiter = rs.limiter;
  auto limit = reply_limit(rj.job, std::chrono::minutes(2));
  st.remote_busy = true;
  const auto sent = rj.sha;
  const auto url = rs.repo_url;
  self->request(st.where->handle, limit, std::move(rj))
      .then(
          [=](agent_outcome& o) {
            self->state.remote_busy = false;
            if (!o.commit.empty() && o.commit != sent) {
              try {
                remote::take_back(cwd, url, branch, o.node, o.commit);
                self->state.session->adopt_remote_commit(o.commit, o.node);
              } catch (const std::exception& e) {
                then(o, e.what());
                return;
              }
            }
            then(o, std::string());
          },
          [=](caf::error& err) { node_lost(self, self->system().render(err)); });
}

// Runs a job on a fresh executor, or on the story's node.
void run_job(story_ptr self, agent_job job, job_done then) {
  auto& st = self->state;
  if (st.where && st.where->remote) {
    run_remote_job(self, std::move(job), std::move(then));
    return;
  }
  st.executor = spawn_executor(self->system(), self, st.display);
  auto limit = reply_limit(job, std::chrono::seconds(60));
  self->request(st.executor, limit, std::move(job))
      .then(
          [=](const agent_outcome& o) {
            self->state.executor = executor_actor{};
            then(o, std::string());
          },
          [=](const caf::error& err) {
            self->state.executor = executor_actor{};
            then(agent_outcome{}, "executor: " + self->system().render(err));
          });
}

// What the action cost: the gateway's count when it saw the traffic (it
// prices by model), else what the agent reported.
void charge_usage(story_ptr self, action_type a, const agent_outcome& o) {
  auto& st = self->state;
  api_usage used;
  if (st.opts.usage_of)
    used = st.opts.usage_of(st.story_id, std::string(to_string(a))).since(st.usage_before);
  if (used.calls == 0 && (o.input_tokens || o.output_tokens || o.cost_usd > 0)) {
    used.input = o.input_tokens;
    used.output = o.output_tokens;
    used.cost_usd = o.cost_usd;
  }
  if (used.calls == 0 && used.input == 0 && used.output == 0 && used.cost_usd == 0) return;
  try {
    st.session->record_usage(a, used);
  } catch (const std::exception& e) {
    emit(self, event_kind::note, a, std::string("usage not recorded: ") + e.what());
  }
  caf::anon_send(st.parent,
                 usage_report{st.story_id, a, used.input + used.cache_read + used.cache_creation,
                              used.output, used.cost_usd, time::now_ms()});
}

// The API's usage limit is hit: the action is set aside (not a failure) and
// the story tries again when the limit resets.
bool park_if_limited(story_ptr self, action_type a, const agent_outcome& o) {
  auto& st = self->state;
  const auto now = time::now_ms();
  auto until =
      park_until(now, st.opts.parked_until ? st.opts.parked_until() : 0, o.limit_resets_at_ms);
  if (!until) return false;
  auto when = time::format_local_hms(*until);
  st.session->abandon(a,
                      fmt::format("the API's usage limit resets at {}; parked until then", when));
  emit(self, event_kind::parked, a,
       fmt::format("API usage limit: resumes {} at {}", to_string(a), when));
  self->delayed_send(self, std::chrono::milliseconds(*until - now + 250), atoms::step::value);
  return true;
}

void after_agent(story_ptr self, action_type a, const agent_outcome& o, const std::string& err) {
  auto& st = self->state;
  st.running.reset();
  charge_usage(self, a, o);
  if (st.stopping) {
    st.session->log("orchestrator", fmt::format("{} stopped: run interrupted", to_string(a)));
    finish(self, story_result::interrupted, fmt::format("during {}", to_string(a)));
    return;
  }
  const bool command_agent = st.session->the_board().cfg().agent.command.has_value();
  auto problem = problem_of(o, command_agent, err);
  if (problem.empty()) {
    try {
      st.session->complete(a, o.result_text);
      emit(self, event_kind::action_finished, a,
           fmt::format("{} turns, {} tool uses, ${:.4f}", o.num_turns, o.tool_uses, o.cost_usd));
      step(self);
      return;
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (!st.draining && park_if_limited(self, a, o)) return;
  emit(self, event_kind::action_failed, a, problem);
  bool blocked = false;
  try {
    blocked = st.session->fail(a, problem);
  } catch (const std::exception& e) {
    finish(self, story_result::failed, e.what());
    return;
  }
  if (blocked) emit(self, event_kind::blocked, a, problem);
  step(self);
}

void run_agent(story_ptr self, action_type a) {
  auto& st = self->state;
  const auto& cfg = st.session->the_board().cfg();
  if (auto why = story_over_budget(st.story_id, st.session->cost_so_far(), st.opts.budget)) {
    st.session->block_for(*why);
    emit(self, event_kind::blocked, a, *why);
    finish(self, story_result::blocked, *why);
    return;
  }
  if (st.opts.usage_of) st.usage_before = st.opts.usage_of(st.story_id, std::string(to_string(a)));
  auto req = st.session->prepare_agent(a);
  auto spec = build_agent_spawn(req, cfg);
  st.running = a;
  emit(self, event_kind::action_started, a, st.session->cwd().string());
  run_job(self,
          job_from(*st.session, a, "", spec, cfg.agent_timeout, cfg.idle_timeout, cfg.result_grace),
          [=](const agent_outcome& o, const std::string& err) { after_agent(self, a, o, err); });
}

void run_next_check(story_ptr self) {
  auto& st = self->state;
  if (st.stopping) {
    finish(self, story_result::interrupted, "during review checks");
    return;
  }
  if (st.pending_checks.empty()) {
    if (st.session->checks_passed()) {
      run_agent(self, action_type::review);
    } else {
      st.session->reject_for_checks();
      emit(self, event_kind::action_finished, action_type::review, "REJECTED by build/test checks");
      step(self);
    }
    return;
  }
  auto check = std::move(st.pending_checks.front());
  st.pending_checks.pop_front();
  emit(self, event_kind::check_started, action_type::review, check.name);
  const auto& cfg = st.session->the_board().cfg();
  run_job(self,
          job_from(*st.session, action_type::review, check.name, check.spec, check.timeout,
                   check.timeout, cfg.result_grace),
          [=](const agent_outcome& o, const std::string& err) {
            bool passed = check_passed(o, err);
            auto output = o.result_text + (err.empty() ? "" : "\n" + err) +
                          (o.killed_reason.empty() ? "" : "\n" + o.killed_reason);
            self->state.session->record_check_result(check.name, passed, output);
            emit(self, event_kind::check_finished, action_type::review,
                 check.name + (passed ? " passed" : " FAILED"));
            run_next_check(self);
          });
}

// Test hook (docs/architecture.md): SDLC_FAULT_CRASH_STORY=S-0002:implement
// makes that story's actor die abnormally, once, just before that action.
bool fault_injected(story_ptr self, action_type a) {
  const char* spec = std::getenv("SDLC_FAULT_CRASH_STORY");
  if (!spec || self->state.incarnation > 0) return false;
  return std::string(spec) == self->state.story_id + ":" + std::string(to_string(a));
}

// A done story's worktree on any node is dropped (the branch stays on the
// shared remote and here); the story ends when every node has answered, so
// the run does not exit with the requests unsent.
void finish_done(story_ptr self, const std::string& reason) {
  auto& st = self->state;
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
    auto checks = st.session->review_checks();
    st.pending_checks.assign(checks.begin(), checks.end());
    run_next_check(self);
    return;
  }
  default:
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

} // namespace

story_actor spawn_story_actor(caf::actor_system& sys, story_report_actor parent,
                              agent_listener_actor display, board b, std::string story_id,
                              session_options opts, int incarnation,
                              std::shared_ptr<node_pool> pool) {
  // Detached: story work includes file locks and libgit2 calls that block.
  return sys.spawn<caf::detached>(story_behavior, std::move(parent), std::move(display),
                                  std::move(b), std::move(story_id), std::move(opts), incarnation,
                                  std::move(pool));
}

} // namespace sdlc
