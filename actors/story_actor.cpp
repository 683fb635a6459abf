#include "actors/story_actor.hpp"

#include "actors/executor.hpp"
#include "runtime/agent/agent_command.hpp"
#include "runtime/git/remote_sync.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/remote/node_workspace.hpp"
#include "runtime/util/error.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <deque>
#include <optional>

namespace sdlc {

namespace {

agent_job job_from(const story_session& s, const std::string& action, const spawn_spec& spec,
                   std::chrono::milliseconds wall, std::chrono::milliseconds idle,
                   std::chrono::milliseconds grace) {
  agent_job job;
  job.story_id = s.id();
  job.action = action;
  job.argv = spec.argv;
  for (const auto& [k, v] : spec.env)
    job.env.push_back(k + "=" + v);
  job.cwd = spec.cwd.string();
  job.wall_ms = wall.count();
  job.idle_ms = idle.count();
  job.result_grace_ms = grace.count();
  return job;
}

struct story_state {
  caf::actor parent;
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

void emit(story_ptr self, const std::string& kind, const std::string& action,
          const std::string& detail) {
  caf::anon_send(self->state.parent,
                 story_event{self->state.story_id, kind, action, detail, time::now_ms()});
}

void finish(story_ptr self, const std::string& result, const std::string& detail) {
  auto& st = self->state;
  if (st.session)
    st.session->log("orchestrator", fmt::format("run ends for this story: {} {}", result, detail));
  caf::anon_send(st.parent, story_finished{st.story_id, result, detail});
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
  emit(self, "note", "", what);
  self->quit(caf::make_error(caf::sec::runtime_error, "node lost"));
}

// The job goes to the story's node: the story branch is pushed to the
// shared remote first (the orchestrator's tip is the truth), and what the
// node committed is fetched back into the story's worktree here.
template <class F> void run_remote_job(story_ptr self, agent_job job, F then) {
  auto& st = self->state;
  const auto& rs = st.pool->settings;
  const auto cwd = st.session->cwd();
  const auto story = st.session->current(); // read once for the branch and the priority
  const auto branch = story.str("branch");
  remote_job rj;
  try {
    auto sha = git::branch_tip(cwd, branch);
    if (!sha) throw failure(fmt::format("story branch {} has no commit", branch));
    git::push_branch(cwd, rs.repo_url, branch, true);
    rj.sha = *sha;
  } catch (const std::exception& e) {
    then(agent_outcome{},
         fmt::format("push {} to remote.url {}: {}", branch, rs.repo_url, e.what()));
    return;
  }
  rj.commit_after = job.action == "implement" || job.action == "rework";
  if (rj.commit_after) rj.commit_message = st.session->commit_message(*parse_action(job.action));
  rj.job = std::move(job);
  rj.repo_url = rs.repo_url;
  rj.branch = branch;
  rj.upstream = rs.upstream;
  rj.gateway_base = rs.gateway_base;
  rj.gateway_token = rs.gateway_token;
  rj.priority = story.priority();
  auto limit = reply_limit(rj.job, std::chrono::minutes(2));
  st.remote_busy = true;
  const auto sent = rj.sha;
  const auto url = rs.repo_url;
  self->request(st.where->handle, limit, std::move(rj), caf::actor_cast<caf::actor>(self),
                rs.limiter)
      .then(
          [=](agent_outcome& o) {
            self->state.remote_busy = false;
            if (!o.commit.empty() && o.commit != sent) {
              try {
                const auto ref = result_ref(o.node, branch);
                auto fetched = git::fetch_ref(cwd, url, ref);
                if (!fetched || *fetched != o.commit)
                  throw failure(fmt::format("the remote's {} is not the node's commit {}", ref,
                                            o.commit.substr(0, 12)));
                git::set_branch(cwd, branch, o.commit);
                try {
                  git::delete_remote_ref(cwd, url, ref); // taken: keep the remote tidy
                } catch (const std::exception&) {
                }
                git::worktree_service::discard_uncommitted(cwd); // the worktree shows it
                self->state.session->adopt_remote_commit(o.commit, o.node);
              } catch (const std::exception& e) {
                then(o, fmt::format("fetch {} from {}: {}", branch, url, e.what()));
                return;
              }
            }
            then(o, std::string());
          },
          [=](caf::error& err) { node_lost(self, self->system().render(err)); });
}

// Runs a job on a fresh executor; `then` gets the outcome (or an error string).
template <class F> void run_job(story_ptr self, agent_job job, F then) {
  auto& st = self->state;
  if (st.where && st.where->remote) {
    run_remote_job(self, std::move(job), std::move(then));
    return;
  }
  st.executor = spawn_executor(self->system(), caf::actor_cast<caf::actor>(self));
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
    emit(self, "note", std::string(to_string(a)), std::string("usage not recorded: ") + e.what());
  }
  emit(self, "usage", std::string(to_string(a)),
       fmt::format("{} {} {}", used.input + used.cache_read + used.cache_creation, used.output,
                   used.cost_usd));
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
  emit(self, "parked", std::string(to_string(a)),
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
    finish(self, "interrupted", fmt::format("during {}", to_string(a)));
    return;
  }
  const bool command_agent = st.session->the_board().cfg().agent.command.has_value();
  std::string problem = err;
  if (problem.empty()) {
    if (!o.killed_reason.empty())
      problem = o.killed_reason;
    else if (o.signal != 0)
      problem = fmt::format("agent killed by signal {}", o.signal);
    else if (o.exit_code != 0)
      problem =
          fmt::format("agent exited with code {}{}", o.exit_code,
                      o.api_error_status ? fmt::format(" (API error {})", o.api_error_status) : "");
    else if (!command_agent && !o.saw_result)
      problem = "agent ended without a result";
    else if (o.is_error)
      problem = fmt::format("agent reported an error{}: {}",
                            o.api_error_status ? fmt::format(" (API {})", o.api_error_status) : "",
                            o.result_text.substr(0, 300));
  }
  if (problem.empty()) {
    try {
      st.session->complete(a, o.result_text);
      emit(self, "action_finished", std::string(to_string(a)),
           fmt::format("{} turns, {} tool uses, ${:.4f}", o.num_turns, o.tool_uses, o.cost_usd));
      step(self);
      return;
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (!st.draining && park_if_limited(self, a, o)) return;
  emit(self, "action_failed", std::string(to_string(a)), problem);
  bool blocked = false;
  try {
    blocked = st.session->fail(a, problem);
  } catch (const std::exception& e) {
    finish(self, "failed", e.what());
    return;
  }
  if (blocked) emit(self, "blocked", std::string(to_string(a)), problem);
  step(self);
}

void run_agent(story_ptr self, action_type a) {
  auto& st = self->state;
  const auto& cfg = st.session->the_board().cfg();
  if (auto why = story_over_budget(st.story_id, st.session->cost_so_far(), st.opts.budget)) {
    st.session->block_for(*why);
    emit(self, "blocked", std::string(to_string(a)), *why);
    finish(self, "blocked", *why);
    return;
  }
  if (st.opts.usage_of) st.usage_before = st.opts.usage_of(st.story_id, std::string(to_string(a)));
  auto req = st.session->prepare_agent(a);
  auto spec = build_agent_spawn(req, cfg);
  st.running = a;
  emit(self, "action_started", std::string(to_string(a)), st.session->cwd().string());
  run_job(self,
          job_from(*st.session, req.action, spec, cfg.agent_timeout, cfg.idle_timeout,
                   cfg.result_grace),
          [=](const agent_outcome& o, const std::string& err) { after_agent(self, a, o, err); });
}

void run_next_check(story_ptr self) {
  auto& st = self->state;
  if (st.stopping) {
    finish(self, "interrupted", "during review checks");
    return;
  }
  if (st.pending_checks.empty()) {
    if (st.session->checks_passed()) {
      run_agent(self, action_type::review);
    } else {
      st.session->reject_for_checks();
      emit(self, "action_finished", "review", "REJECTED by build/test checks");
      step(self);
    }
    return;
  }
  auto check = std::move(st.pending_checks.front());
  st.pending_checks.pop_front();
  emit(self, "check_started", "review", check.name);
  const auto& cfg = st.session->the_board().cfg();
  run_job(self,
          job_from(*st.session, "check-" + check.name, check.spec, check.timeout, check.timeout,
                   cfg.result_grace),
          [=](const agent_outcome& o, const std::string& err) {
            bool passed =
                err.empty() && o.exit_code == 0 && o.signal == 0 && o.killed_reason.empty();
            auto output = o.result_text + (err.empty() ? "" : "\n" + err) +
                          (o.killed_reason.empty() ? "" : "\n" + o.killed_reason);
            self->state.session->record_check_result(check.name, passed, output);
            emit(self, "check_finished", "review", check.name + (passed ? " passed" : " FAILED"));
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
    finish(self, "done", reason);
    return;
  }
  st.done_reason = reason;
  auto left = std::make_shared<size_t>(nodes.size());
  auto one_answered = [=] {
    if (--*left == 0) finish(self, "done", reason);
  };
  for (const auto& n : nodes)
    self->request(n, std::chrono::seconds(10), atoms::forget::value, st.pool->settings.repo_url,
                  branch)
        .then([=](bool) { one_answered(); }, [=](caf::error&) { one_answered(); });
}

void step(story_ptr self) {
  auto& st = self->state;
  if (st.stopping || st.draining) {
    finish(self, "interrupted", "");
    return;
  }
  decision d;
  try {
    d = st.session->next();
  } catch (const std::exception& e) {
    finish(self, "failed", e.what());
    return;
  }
  switch (d.action) {
  case action_type::none: {
    auto status = st.session->current().status();
    if (status == story_status::done) {
      finish_done(self, d.reason);
      return;
    }
    finish(self, status == story_status::blocked ? "blocked" : "stopped", d.reason);
    return;
  }
  case action_type::block:
  case action_type::move_to_done:
  case action_type::create_pr:
    try {
      st.session->run_inline(d);
    } catch (const std::exception& e) {
      finish(self, "failed", e.what());
      return;
    }
    emit(self, "action_finished", std::string(to_string(d.action)), d.reason);
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
      emit(self, "action_failed", std::string(to_string(d.action)), e.what());
      finish(self, "failed", e.what());
    }
    return;
  }
}

story_actor::behavior_type story_behavior(story_ptr self, caf::actor parent, board b,
                                          std::string story_id, session_options opts,
                                          int incarnation, std::shared_ptr<node_pool> pool) {
  self->state.incarnation = incarnation;
  self->state.pool = std::move(pool);
  self->set_down_handler([=](caf::down_msg& m) {
    auto& st = self->state;
    if (st.where && st.where->remote && m.source == st.where->handle.address())
      node_lost(self, "its connection closed (" + self->system().render(m.reason) + ")");
  });
  self->state.parent = std::move(parent);
  self->state.initial_board = std::move(b);
  self->state.story_id = std::move(story_id);
  self->state.opts = std::move(opts);
  return {
      [=](atoms::step) {
        auto& st = self->state;
        if (!st.started && st.pool && !st.where) {
          st.where = st.pool->acquire(st.story_id);
          if (!st.where) { // every slot taken (a node just went away): ask again soon
            self->delayed_send(self, std::chrono::milliseconds(250), atoms::step::value);
            return;
          }
          if (st.where->remote) self->monitor(st.where->handle);
          emit(self, "node", "", st.where->remote ? st.where->node : "local");
        }
        if (!st.started) {
          st.started = true;
          try {
            st.session = std::make_unique<story_session>(st.initial_board, st.story_id, st.opts);
            st.story_id = st.session->id();
            emit(self, "story_started", "", st.session->the_board().rel(st.session->log_file()));
            for (const auto& note : st.session->begin())
              emit(self, "note", "", note);
            if (st.session->cwd() != st.session->the_board().project_root()) {
              emit(self, "worktree", "", st.session->the_board().rel(st.session->cwd()));
              emit(self, "branch", "", st.session->current().str("branch"));
            }
          } catch (const std::exception& e) {
            finish(self, "failed", e.what());
            return;
          }
        }
        step(self);
      },
      [=](story_event& ev) {
        auto& st = self->state;
        if (st.session) {
          st.session->log(ev.kind == "process_started" || ev.kind == "killed" ? "orchestrator"
                                                                              : "agent",
                          fmt::format("{} {} {}", ev.action, ev.kind, ev.detail));
          // A node renames its agents' process_started (their pids are not ours).
          if (ev.kind == "process_started" && st.running)
            st.session->record_agent_process(std::stol(ev.detail));
        }
        caf::anon_send(st.parent, std::move(ev));
      },
      [=](atoms::drain) {
        auto& st = self->state;
        st.draining = true;
        if (st.done_reason) { // done already: the nodes' cleanup is not worth waiting for
          finish(self, "done", *st.done_reason);
          return;
        }
        if (!st.running && !st.executor && !st.remote_busy) finish(self, "interrupted", "");
      },
      [=](atoms::shutdown) {
        auto& st = self->state;
        st.stopping = true;
        if (st.done_reason) {
          finish(self, "done", *st.done_reason);
          return;
        }
        if (st.remote_busy) // the node stops the agent when this actor is gone
          finish(self, "interrupted", "during a job on node " + st.where->node);
        else if (st.executor)
          caf::anon_send(st.executor, atoms::shutdown::value);
        else if (!st.running)
          finish(self, "interrupted", "");
      },
  };
}

} // namespace

story_actor spawn_story_actor(caf::actor_system& sys, caf::actor parent, board b,
                              std::string story_id, session_options opts, int incarnation,
                              std::shared_ptr<node_pool> pool) {
  // Detached: story work includes file locks and libgit2 calls that block.
  return sys.spawn<caf::detached>(story_behavior, std::move(parent), std::move(b),
                                  std::move(story_id), std::move(opts), incarnation,
                                  std::move(pool));
}

} // namespace sdlc
