#include "actors/executor.hpp"

#include "runtime/agent/outcome_builder.hpp"
#include "runtime/agent/watchdog.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/util/redact.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>

namespace sdlc {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto tick_interval = milliseconds(200);

struct executor_state {
  agent_listener_actor story;
  agent_listener_actor display;
  agent_job job;
  caf::typed_response_promise<agent_outcome> promise;
  outcome_builder built;
  watchdog_limits limits;
  clock::time_point started, last_output;
  std::optional<clock::time_point> result_at;
  redactor redact; // the job's secrets: nothing the agent prints carries them on
  // Destroyed with the state: kills the process group and joins the reader
  // (the state goes before any attach_functor, see NOTES-TOOLCHAIN).
  std::unique_ptr<child_process> proc;

  static inline const char* name = "executor";
};

using executor_ptr = executor_actor::stateful_pointer<executor_state>;

template <class Message> void tell(executor_ptr self, const Message& m) {
  auto& st = self->state;
  if (st.story) caf::anon_send(st.story, m);
  if (st.display) caf::anon_send(st.display, m);
}

void tell(executor_ptr self, const agent_notice& n) {
  const auto& j = self->state.job;
  if (n.percent)
    tell(self, agent_progress{j.story, j.action, *n.percent, n.text, time::now_ms()});
  else
    tell(self, story_event{j.story, n.kind, j.action, n.text, time::now_ms()});
}

caf::result<agent_outcome> start(executor_ptr self, agent_job& job) {
  auto& st = self->state;
  if (st.proc) return caf::make_error(caf::sec::runtime_error, "executor already runs a job");
  st.job = std::move(job);
  st.limits = {milliseconds(st.job.wall_ms), milliseconds(st.job.idle_ms),
               milliseconds(st.job.result_grace_ms)};
  st.promise = self->make_response_promise<agent_outcome>();
  spawn_spec spec{st.job.argv, st.job.cwd, st.job.env, {}};
  st.redact = redactor_for(spec.env);
  st.started = st.last_output = clock::now();
  executor_actor handle = self;
  try {
    st.proc = std::make_unique<child_process>(
        spec,
        [handle](std::string l, bool from_stderr) {
          caf::anon_send(handle, atoms::line::value, std::move(l), from_stderr);
        },
        [handle](process_exit e) {
          caf::anon_send(handle, atoms::exited::value, e.exit_code, e.signal, e.killed_by_us);
        });
  } catch (const std::exception& e) {
    auto& o = st.built.outcome();
    o.exit_code = 127;
    o.killed_reason = e.what();
    st.promise.deliver(o);
    self->quit();
    return st.promise;
  }
  st.built.outcome().pid = st.proc->pid();
  tell(self, process_started{st.job.story, st.job.action, st.proc->pid(), "", time::now_ms()});
  self->delayed_send(self, tick_interval, atoms::tick::value);
  return st.promise;
}

void on_tick(executor_ptr self) {
  auto& st = self->state;
  if (!st.proc || !st.built.outcome().killed_reason.empty()) return;
  auto now = clock::now();
  auto ms = [&](clock::time_point t) { return std::chrono::duration_cast<milliseconds>(now - t); };
  auto verdict = check_watchdog(
      ms(st.started), ms(st.last_output),
      st.result_at ? std::optional<milliseconds>(ms(*st.result_at)) : std::nullopt, st.limits);
  if (verdict != watchdog_verdict::ok) {
    st.built.outcome().killed_reason = describe(verdict, st.limits);
    tell(self, agent_notice{event_kind::killed, st.built.outcome().killed_reason, std::nullopt});
    st.proc->kill();
    return;
  }
  self->delayed_send(self, tick_interval, atoms::tick::value);
}

} // namespace

executor_actor::behavior_type executor_behavior(executor_ptr self, agent_listener_actor story,
                                                agent_listener_actor display) {
  self->state.story = std::move(story);
  self->state.display = std::move(display);
  return {
      [=](agent_job& job) -> caf::result<agent_outcome> { return start(self, job); },
      [=](atoms::line, std::string& raw, bool from_stderr) {
        auto& st = self->state;
        st.last_output = clock::now();
        const auto l = st.redact.apply(raw);
        if (from_stderr) {
          tell(self, st.built.stderr_line(l));
          return;
        }
        for (const auto& e : parse_stream_line(l)) {
          if (auto n = st.built.apply(e)) tell(self, *n);
          if (st.built.saw_result() && !st.result_at) st.result_at = clock::now();
        }
      },
      [=](atoms::tick) { on_tick(self); },
      [=](atoms::exited, int code, int sig, bool killed_by_us) {
        auto& st = self->state;
        auto& o = st.built.outcome();
        if (killed_by_us && o.killed_reason.empty()) o.killed_reason = "stopped by sdlc-actors";
        auto ran = std::chrono::duration_cast<milliseconds>(clock::now() - st.started).count();
        st.built.finish(code, sig, ran);
        tell(self,
             agent_notice{event_kind::process_exited,
                          sig ? "signal " + std::to_string(sig) : "exit " + std::to_string(code),
                          std::nullopt});
        st.promise.deliver(o);
        st.proc.reset(); // joins the (finished) reader, group already cleared
        self->quit();
      },
      [=](atoms::shutdown) {
        auto& st = self->state;
        if (st.proc) {
          st.built.outcome().killed_reason = "run interrupted";
          st.proc->kill(); // the exit message follows and delivers the outcome
        } else {
          self->quit();
        }
      },
  };
}

executor_actor spawn_executor(caf::actor_system& sys, agent_listener_actor story,
                              agent_listener_actor display) {
  // Pooled, not detached: nothing here waits for the process (its reader,
  // a kept thread, does and sends what it saw), and a detached actor cost a
  // thread start per action (docs/benchmarks.md). What does block is short:
  // posix_spawn returns once the child has exec'd, and the state's
  // child_process waits for its reader only after the group is dead (at most
  // the reader's 200 ms for pipes a stray grandchild holds open).
  return sys.spawn(executor_behavior, std::move(story), std::move(display));
}

std::chrono::milliseconds reply_limit(const agent_job& job, std::chrono::milliseconds slack) {
  using std::chrono::milliseconds;
  return job.wall_ms > 0 ? milliseconds(job.wall_ms) + slack : milliseconds(24 * 3600 * 1000);
}

} // namespace sdlc
