#include "actors/node.hpp"

#include "actors/actors.hpp"
#include "actors/executor.hpp"
#include "actors/node_job.hpp"
#include "runtime/agent/agent_command.hpp"
#include "runtime/process/guard_process.hpp"
#include "runtime/process/signals.hpp"
#include "runtime/remote/gatekeeper.hpp"
#include "runtime/remote/node_agents.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/util/secret.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iterator>
#include <iostream>
#include <optional>
#include <set>

namespace sdlc {

namespace {

void log_line(const std::string& line) {
  std::cerr << fmt::format("{} node: {}\n", time::format_local_hms(time::now_ms()), line);
}

struct node_state {
  node_options opts;
  std::shared_ptr<node_context> ctx;
  // Where a peer that proved the secret is reported (its relayed connection's
  // port); empty until the gatekeeper is up, and again once it is gone.
  std::shared_ptr<std::atomic<gatekeeper*>> door;
  std::set<caf::node_id> trusted; // peers that proved the secret
  std::set<node_job_actor> jobs;
  std::multiset<std::string> branches; // of the running jobs: their worktrees stay
  int busy = 0;
  ~node_state() {
    // The node stops: running jobs kill their agents and answer; nothing
    // outlives it.
    for (const auto& j : jobs)
      caf::anon_send(j, atoms::shutdown::value);
  }
  static inline const char* name = "node";
};

using node_ptr = node_actor::stateful_pointer<node_state>;

node_info info_of(node_ptr self) {
  auto& st = self->state;
  return node_info{st.ctx->name, st.opts.slots, st.busy, st.opts.workdir.string(), SDLC_VERSION};
}

void job_ended(node_ptr self, const node_job_actor& job, const std::string& branch) {
  auto& st = self->state;
  --st.busy;
  st.jobs.erase(job);
  if (auto it = st.branches.find(branch); it != st.branches.end()) st.branches.erase(it);
}

// Every request but the hello must come from a peer that proved the secret.
std::optional<caf::error> refuse_untrusted(node_ptr self, const char* what) {
  auto sender = self->current_sender();
  if (sender && self->state.trusted.count(sender->node())) return std::nullopt;
  log_line(fmt::format("refused {} from {}: not authenticated (no valid node_hello)", what,
                       sender ? to_string(sender->node()) : std::string("an anonymous sender")));
  return caf::make_error(caf::sec::request_receiver_down,
                         std::string("not authenticated: send node_hello with the node's token"));
}

caf::result<node_info> hello(node_ptr self, const node_hello& h) {
  auto sender = self->current_sender();
  auto who = sender ? to_string(sender->node()) : std::string("an anonymous sender");
  auto& st = self->state;
  if (!sender || !same_secret(h.token, st.opts.token)) {
    log_line(fmt::format("refused {} ({}): wrong token", h.orchestrator, who));
    return caf::make_error(caf::sec::request_receiver_down,
                           std::string("refused: wrong token for node ") + st.ctx->name);
  }
  st.trusted.insert(sender->node());
  log_line(fmt::format("accepted orchestrator {}", h.orchestrator));
  // The gatekeeper lets this connection be (gatekeeper.hpp): CAF names its
  // port, learnt before the answer while the peer waits.
  auto door = st.door;
  auto promise = self->make_response_promise<node_info>();
  auto info = info_of(self);
  self->request(self->system().middleman().actor_handle(), std::chrono::seconds(10),
                caf::get_atom::value, sender->node())
      .then(
          [=](const caf::node_id&, const std::string&, uint16_t port) mutable {
            if (auto* g = door->load()) g->trust(port);
            promise.deliver(info);
          },
          [=](caf::error&) mutable { promise.deliver(info); });
  return promise;
}

caf::result<agent_outcome> take_job(node_ptr self, remote_job& rj) {
  if (auto no = refuse_untrusted(self, "a job")) return *no;
  auto& s = self->state;
  if (s.busy >= s.opts.slots)
    return caf::make_error(caf::sec::runtime_error,
                           fmt::format("node {} is full ({} slots)", s.ctx->name, s.opts.slots));
  ++s.busy;
  const auto branch = rj.branch;
  s.branches.insert(branch);
  auto job = spawn_node_job(self->system(), s.ctx);
  s.jobs.insert(job);
  auto promise = self->make_response_promise<agent_outcome>();
  // The job's own executor request times out at wall + 60 s; this one only
  // guards against a job actor that never answers.
  auto limit = reply_limit(rj.job, std::chrono::minutes(5));
  self->request(job, limit, std::move(rj))
      .then(
          [=](agent_outcome& out) mutable {
            job_ended(self, job, branch);
            promise.deliver(std::move(out));
          },
          [=](caf::error& err) mutable {
            job_ended(self, job, branch);
            promise.deliver(err);
          });
  return promise;
}

node_actor::behavior_type node_behavior(node_ptr self, node_options o,
                                        std::shared_ptr<node_context> ctx,
                                        std::shared_ptr<std::atomic<gatekeeper*>> door) {
  auto& st = self->state;
  st.opts = std::move(o);
  st.ctx = std::move(ctx);
  st.door = std::move(door);
  return {
      [=](node_hello& h) { return hello(self, h); },
      [=](atoms::info) -> caf::result<node_info> {
        if (auto no = refuse_untrusted(self, "a status request")) return *no;
        return info_of(self);
      },
      [=](remote_job& rj) { return take_job(self, rj); },
      [=](atoms::forget, const std::string& url, const std::string& branch) -> caf::result<bool> {
        if (auto no = refuse_untrusted(self, "a cleanup")) return *no;
        if (self->state.branches.count(branch)) return false; // a job still works there
        try {
          bool removed = self->state.ctx->workspace->remove(url, branch);
          if (removed) log_line(fmt::format("removed the worktree of {} (story done)", branch));
          return removed;
        } catch (const std::exception& e) {
          log_line(fmt::format("could not remove the worktree of {}: {}", branch, e.what()));
          return false;
        }
      },
  };
}

// CAF reads what a peer sends before the token is checked: off loopback,
// only peers with a certificate our CA signed get that far.
void check_listen_address(const node_options& o) {
  if (o.token.empty())
    throw bad_input("a node needs a shared secret: --token-file FILE (the orchestrator uses the "
                    "same file)");
  if (!o.tls.enabled() && !is_loopback_host(o.host))
    throw bad_input(fmt::format(
        "--listen {}: a node reachable from other machines needs TLS with certificates both "
        "ways (--tls-cert, --tls-key, --tls-ca); without it anyone who can reach the port can "
        "make the node allocate memory before the token is checked. Listen on 127.0.0.1, or "
        "see docs/remote-nodes.md for making the certificates",
        o.host));
  if (o.slots < 1) throw bad_input(fmt::format("--slots {}: use 1 or more", o.slots));
}

} // namespace

int run_node(const node_options& o, std::ostream& out) {
  check_listen_address(o);
  std::filesystem::create_directories(o.workdir);
  auto ctx = std::make_shared<node_context>();
  ctx->name = fmt::format("{}:{}", o.host, o.port);
  ctx->workspace = std::make_shared<node_workspace>(o.workdir);
  ctx->agents = std::make_shared<node_agents>(o.workdir, log_line);
  ctx->log = log_line;
  const auto workdir_lock = hold_node_workdir(o.workdir); // before its orphans are stopped
  ctx->agents->stop_orphans();
  // From now on, a kill of this node stops its agents at once.
  const auto guard = start_guard(
      node_guard_command, o.workdir, {std::begin(agent_mark_envs), std::end(agent_mark_envs)},
      "its agents run on until it starts again on this workdir", std::cerr);
  const auto stop_signals = block_stop_signals({SIGINT, SIGTERM, SIGHUP});

  system_config cfg(true, o.tls, o.connection_timeout);
  caf::actor_system sys{cfg};
  ctx->gateways = std::make_shared<node_gateways>(sys);
  auto door = std::make_shared<std::atomic<gatekeeper*>>(nullptr);
  auto node = sys.spawn(node_behavior, o, ctx, door);
  // CAF listens on loopback only; peers reach it through the gatekeeper.
  auto inner = o.tls.enabled() ? caf::openssl::publish(node, 0, "127.0.0.1", true)
                               : sys.middleman().publish(node, 0, "127.0.0.1", true);
  if (!inner) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    throw failure(fmt::format("node: cannot publish on loopback: {}", sys.render(inner.error())));
  }
  std::optional<gatekeeper> gate;
  try {
    gatekeeper_options go;
    go.host = o.host;
    go.port = o.port;
    go.upstream_port = *inner;
    go.tls = o.tls.enabled();
    go.deadline = o.connection_timeout;
    gate.emplace(go, log_line);
  } catch (...) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    throw;
  }
  door->store(&*gate);
  out << fmt::format("node {} listening ({} slot{}, workdir {}{})\n", ctx->name, o.slots,
                     o.slots == 1 ? "" : "s", o.workdir.string(),
                     o.tls.enabled() ? ", TLS with client certificates" : "");
  out.flush();
  int sig = -1;
  while ((sig = sigwaitinfo(&stop_signals, nullptr)) < 0) {
  }
  log_line(fmt::format("stopping on signal {}", sig));
  door->store(nullptr);
  gate.reset(); // no peer reaches CAF any more
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  ctx->gateways->stop();
  if (!o.tls.enabled()) sys.middleman().unpublish(node, *inner);
  return 0;
}

} // namespace sdlc
