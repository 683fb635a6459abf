// Running an action's jobs for the story actor: on a fresh executor here or
// on the story's node, and what follows from the outcome (usage charged,
// parked on a usage limit, completed, or a failed attempt).
#include "actors/story_actor_state.hpp"

#include "actors/executor.hpp"
#include "runtime/agent/agent_command.hpp"
#include "runtime/remote/branch_handoff.hpp"
#include "runtime/schedule/conflict_scan.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/agent_problem.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

namespace sdlc::story_detail {

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

// In a run that serializes conflicts the scheduler re-checks a story's
// overlaps after each edit. The files are worked out here, on the story's own
// thread: git over a big worktree was a fifth of a run on a big repository,
// all of it on the scheduler's one thread, which dispatches every story.
void attach_changed_files(story_ptr self, action_type a, story_event& e) {
  auto& st = self->state;
  if (!edits_code(a) || !st.opts.conflict_base) return;
  try {
    auto f = files_of(st.session->the_board(), st.session->current(), *st.opts.conflict_base);
    e.files.assign(f.files.begin(), f.files.end());
    e.files_known = true;
  } catch (const std::exception& ex) {
    emit(self, event_kind::note, action_type::none,
         std::string("conflict re-check failed: ") + ex.what());
  }
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
      story_event done{
          st.story_id, event_kind::action_finished, a,
          fmt::format("{} turns, {} tool uses, ${:.4f}", o.num_turns, o.tool_uses, o.cost_usd),
          time::now_ms()};
      attach_changed_files(self, a, done);
      caf::anon_send(st.parent, std::move(done));
      st.last_failure.reset();
      step(self);
      return;
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (!st.draining && park_if_limited(self, a, o)) return;
  emit(self, event_kind::action_failed, a, problem);
  st.last_failure = fmt::format("{} failed: {}", to_string(a), problem);
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

} // namespace

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

} // namespace sdlc::story_detail
