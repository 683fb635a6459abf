#include "actors/executor.hpp"

#include "runtime/agent/stream_event.hpp"
#include "runtime/agent/watchdog.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/util/redact.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <chrono>
#include <memory>

namespace sdlc {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto tick_interval = milliseconds(200);
constexpr std::size_t max_collected_text = 256u << 10;

struct executor_state {
  caf::actor listener;
  agent_job job;
  caf::typed_response_promise<agent_outcome> promise;
  agent_outcome outcome;
  watchdog_limits limits;
  clock::time_point started, last_output;
  std::optional<clock::time_point> result_at;
  std::string collected; // stdout text for agents that print no result line
  redactor redact;       // the job's secrets: nothing the agent prints carries them on
  // Destroyed with the state: kills the process group and joins the reader
  // (the state goes before any attach_functor, see NOTES-TOOLCHAIN).
  std::unique_ptr<child_process> proc;

  static inline const char* name = "executor";
};

using executor_ptr = executor_actor::stateful_pointer<executor_state>;

void notify(executor_ptr self, const std::string& kind, const std::string& detail) {
  auto& st = self->state;
  if (st.listener)
    caf::anon_send(st.listener,
                   story_event{st.job.story_id, kind, st.job.action, detail, time::now_ms()});
}

void on_agent_event(executor_ptr self, const agent_event& e) {
  auto& st = self->state;
  auto& o = st.outcome;
  using k = agent_event::kind;
  switch (e.type) {
  case k::init:
    o.session_id = e.session_id;
    notify(self, "agent_init", fmt::format("model {} session {}", e.model, e.session_id));
    break;
  case k::tool_use:
    ++o.tool_uses;
    notify(self, "tool_use", e.tool_name + (e.tool_target.empty() ? "" : " " + e.tool_target));
    break;
  case k::tool_result:
    if (e.is_error) notify(self, "tool_error", e.text.substr(0, 200));
    break;
  case k::text:
    notify(self, "text", e.text.substr(0, 200));
    if (st.collected.size() < max_collected_text) st.collected += e.text + "\n";
    break;
  case k::api_retry:
    notify(self, "api_retry",
           fmt::format("HTTP {} retry in {} ms", e.error_status, e.retry_delay_ms));
    break;
  case k::rate_limit:
    if (e.limit_status == "rejected" && e.resets_at > 0)
      o.limit_resets_at_ms = std::max<int64_t>(o.limit_resets_at_ms, e.resets_at * 1000);
    notify(self, "rate_limit", fmt::format("{} until {}", e.limit_status, e.resets_at));
    break;
  case k::progress:
    notify(self, "progress", fmt::format("{}|{}", e.percent, e.text));
    break;
  case k::result:
    o.saw_result = true;
    o.is_error = e.is_error;
    o.result_text = e.text;
    o.num_turns = e.num_turns;
    o.cost_usd = e.cost_usd;
    o.input_tokens = e.usage.input + e.usage.cache_read + e.usage.cache_creation;
    o.output_tokens = e.usage.output;
    o.api_error_status = e.api_error_status.value_or(0);
    if (!e.session_id.empty()) o.session_id = e.session_id;
    st.result_at = clock::now();
    notify(self, "result",
           fmt::format("{} turns={} cost=${:.4f}", e.is_error ? "error" : "ok", e.num_turns,
                       e.cost_usd));
    break;
  case k::not_json:
    notify(self, "output", e.text.substr(0, 300));
    if (st.collected.size() < max_collected_text) st.collected += e.text + "\n";
    break;
  case k::unknown:
    notify(self, "unknown_event", e.text.substr(0, 200));
    break;
  }
}

executor_actor::behavior_type executor_behavior(executor_ptr self, caf::actor listener) {
  self->state.listener = std::move(listener);
  return {
      [=](agent_job& job) -> caf::result<agent_outcome> {
        auto& st = self->state;
        if (st.proc) return caf::make_error(caf::sec::runtime_error, "executor already runs a job");
        st.job = std::move(job);
        st.limits = {milliseconds(st.job.wall_ms), milliseconds(st.job.idle_ms),
                     milliseconds(st.job.result_grace_ms)};
        st.promise = self->make_response_promise<agent_outcome>();
        spawn_spec spec;
        spec.argv = st.job.argv;
        spec.cwd = st.job.cwd;
        for (const auto& kv : st.job.env) {
          auto eq = kv.find('=');
          if (eq != std::string::npos) spec.env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
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
          st.outcome.exit_code = 127;
          st.outcome.killed_reason = e.what();
          st.promise.deliver(st.outcome);
          self->quit();
          return st.promise;
        }
        st.outcome.pid = st.proc->pid();
        notify(self, "process_started", std::to_string(st.proc->pid()));
        self->delayed_send(self, tick_interval, atoms::tick::value);
        return st.promise;
      },
      [=](atoms::line, std::string& raw, bool from_stderr) {
        auto& st = self->state;
        st.last_output = clock::now();
        const auto l = st.redact.apply(raw);
        if (from_stderr) {
          notify(self, "stderr", l.substr(0, 300));
          return;
        }
        for (const auto& e : parse_stream_line(l))
          on_agent_event(self, e);
      },
      [=](atoms::started, int64_t) {},
      [=](atoms::tick) {
        auto& st = self->state;
        if (!st.proc || !st.outcome.killed_reason.empty()) return;
        auto now = clock::now();
        auto ms = [&](clock::time_point t) {
          return std::chrono::duration_cast<milliseconds>(now - t);
        };
        auto verdict = check_watchdog(ms(st.started), ms(st.last_output),
                                      st.result_at ? std::optional<milliseconds>(ms(*st.result_at))
                                                   : std::nullopt,
                                      st.limits);
        if (verdict != watchdog_verdict::ok) {
          st.outcome.killed_reason = describe(verdict, st.limits);
          notify(self, "killed", st.outcome.killed_reason);
          st.proc->kill();
          return;
        }
        self->delayed_send(self, tick_interval, atoms::tick::value);
      },
      [=](atoms::exited, int code, int sig, bool killed_by_us) {
        auto& st = self->state;
        auto& o = st.outcome;
        o.exit_code = code;
        o.signal = sig;
        if (killed_by_us && o.killed_reason.empty()) o.killed_reason = "stopped by sdlc-actors";
        if (!o.saw_result) o.result_text = st.collected;
        o.duration_ms = std::chrono::duration_cast<milliseconds>(clock::now() - st.started).count();
        notify(self, "process_exited",
               sig ? fmt::format("signal {}", sig) : fmt::format("exit {}", code));
        st.promise.deliver(o);
        st.proc.reset(); // joins the (finished) reader, group already cleared
        self->quit();
      },
      [=](atoms::shutdown) {
        auto& st = self->state;
        if (st.proc) {
          st.outcome.killed_reason = "run interrupted";
          st.proc->kill(); // the exit message follows and delivers the outcome
        } else {
          self->quit();
        }
      },
  };
}

} // namespace

executor_actor spawn_executor(caf::actor_system& sys, caf::actor listener) {
  return sys.spawn<caf::detached>(executor_behavior, std::move(listener));
}

std::chrono::milliseconds reply_limit(const agent_job& job, std::chrono::milliseconds slack) {
  using std::chrono::milliseconds;
  return job.wall_ms > 0 ? milliseconds(job.wall_ms) + slack : milliseconds(24 * 3600 * 1000);
}

} // namespace sdlc
