#include "actors/node_job.hpp"

#include "actors/executor.hpp"
#include "runtime/config/config.hpp"
#include "runtime/remote/node_environment.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/agent_problem.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

namespace sdlc {

namespace {

struct job_state {
  std::shared_ptr<node_context> ctx;
  agent_listener_actor story;
  executor_actor executor;
  std::string story_id;
  long pgid = 0;         // of the running agent, recorded under <workdir>/running
  bool orphaned = false; // the story actor is gone: nobody takes the result
  ~job_state() {
    if (pgid > 0 && ctx) ctx->agents->ended(pgid);
  }
  static inline const char* name = "node_job";
};

using job_ptr = node_job_actor::stateful_pointer<job_state>;

agent_outcome failed_outcome(const std::string& node, const std::string& why) {
  agent_outcome o;
  o.exit_code = -1;
  o.killed_reason = fmt::format("node {}: {}", node, why);
  o.node = node;
  return o;
}

caf::result<agent_outcome> run(job_ptr self, remote_job& rj) {
  auto& st = self->state;
  const auto& ctx = *st.ctx;
  st.story = rj.story;
  st.story_id = rj.job.story;
  self->monitor(rj.story);
  std::filesystem::path wt;
  try {
    wt = ctx.workspace->prepare(rj.repo_url, rj.branch, rj.sha);
  } catch (const std::exception& e) {
    ctx.log(fmt::format("{} {}: {}", rj.job.story, rj.job.label(), e.what()));
    self->quit();
    return failed_outcome(ctx.name, e.what());
  }
  auto& gwe = ctx.gateways->gateway_for(rj.upstream);
  gateway* gw = gwe.gw.get(); // lives as long as the node's gateways
  ctx.gateways->job_started(rj.job.story, rj.limiter, rj.priority);
  const auto label = rj.job.label();
  auto before = gw->usage(rj.job.story, label);
  auto job = rj.job;
  job.cwd = wt.string();
  job.env = node_environment(job.env, current_environment(),
                             {rj.gateway_base, gw->base_url(), rj.gateway_token, gwe.token});
  ctx.log(fmt::format("{} {} in {}", job.story, label, wt.string()));
  st.executor = spawn_executor(self->system(), self, rj.display);
  auto promise = self->make_response_promise<agent_outcome>();
  auto limit = reply_limit(job, std::chrono::seconds(60));
  self->request(st.executor, limit, std::move(job))
      .then(
          [=](agent_outcome o) mutable {
            auto& s = self->state;
            o.node = s.ctx->name;
            auto used = gw->usage(rj.job.story, label).since(before);
            if (used.calls > 0) {
              o.input_tokens = used.input + used.cache_read + used.cache_creation;
              o.output_tokens = used.output;
              o.cost_usd = used.cost_usd;
            }
            try {
              if (check_passed(o) && rj.commit_after && !s.orphaned)
                o.commit = s.ctx->workspace->commit_and_push(wt, rj.repo_url, rj.branch,
                                                             s.ctx->name, rj.commit_message);
            } catch (const std::exception& e) {
              s.ctx->log(fmt::format("{} {}: {}", rj.job.story, label, e.what()));
              o.killed_reason = fmt::format("node {}: {}", s.ctx->name, e.what());
            }
            s.ctx->gateways->job_ended(rj.job.story);
            promise.deliver(std::move(o));
            self->quit();
          },
          [=](caf::error& err) mutable {
            auto& s = self->state;
            s.ctx->log(fmt::format("{} {}: {}", rj.job.story, label, self->system().render(err)));
            s.ctx->gateways->job_ended(rj.job.story);
            promise.deliver(failed_outcome(s.ctx->name, self->system().render(err)));
            self->quit();
          });
  return promise;
}

node_job_actor::behavior_type node_job(job_ptr self, std::shared_ptr<node_context> ctx) {
  self->state.ctx = std::move(ctx);
  // The orchestrator's story actor went away (run killed, connection lost):
  // stop the agent, nobody will read its result.
  self->set_down_handler([=](caf::down_msg&) {
    auto& st = self->state;
    st.orphaned = true;
    st.ctx->log(
        fmt::format("{}: the orchestrator's story actor is gone; stopping its agent", st.story_id));
    if (st.executor) caf::anon_send(st.executor, atoms::shutdown::value);
  });
  return {
      [=](remote_job& rj) -> caf::result<agent_outcome> { return run(self, rj); },
      [=](story_event& e) { caf::anon_send(self->state.story, std::move(e)); },
      [=](agent_progress& p) { caf::anon_send(self->state.story, std::move(p)); },
      [=](process_started& p) {
        // The pid is this machine's: the orchestrator must not record or kill
        // it. The node records it, so that a node killed now finds (and
        // stops) the agent when it starts again.
        auto& st = self->state;
        st.pgid = p.pid;
        st.ctx->agents->started(p.pid, p.story);
        p.node = st.ctx->name;
        caf::anon_send(st.story, std::move(p));
      },
      [=](atoms::shutdown) {
        if (self->state.executor) caf::anon_send(self->state.executor, atoms::shutdown::value);
      },
  };
}

} // namespace

node_job_actor spawn_node_job(caf::actor_system& sys, std::shared_ptr<node_context> ctx) {
  return sys.spawn<caf::detached>(node_job, std::move(ctx));
}

} // namespace sdlc
