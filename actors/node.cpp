#include "actors/node.hpp"

#include "actors/actors.hpp"
#include "actors/executor.hpp"
#include "actors/permit_bridge.hpp"
#include "actors/system_config.hpp"
#include "runtime/api/gateway.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/remote/node_workspace.hpp"
#include "runtime/remote/gatekeeper.hpp"
#include "runtime/remote/stuck_connection.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <csignal>
#include <unistd.h>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace sdlc {

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0 && !b.empty();
}

namespace {

// A gateway thread waiting for a permit from a limiter on another machine.
struct remote_permit_wait {
  permit_ask ask;
  std::shared_ptr<permit_ticket> ticket;
  caf::actor limiter;
};

} // namespace
} // namespace sdlc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sdlc::remote_permit_wait)

namespace sdlc {

namespace {

void log_line(const std::string& line) {
  std::cerr << fmt::format("{} node: {}\n", time::format_local_hms(time::now_ms()), line);
}

// Asks the run's limiter for each permit; the gateway thread waits on the
// ticket's slot. A ticket this actor (or a message to it) drops unanswered
// refuses: no gateway thread waits past the node.
caf::behavior permit_forwarder(caf::event_based_actor* self) {
  return {[=](remote_permit_wait& w) {
    auto ticket = w.ticket;
    self->request(w.limiter, std::chrono::minutes(30), std::move(w.ask))
        .then([=](uint64_t) { ticket->grant(); }, [=](caf::error&) { ticket->refuse(); });
  }};
}

// What the node's gateways need to find the limiter of a story's run.
struct node_shared {
  std::mutex mu;
  std::map<std::string, std::pair<caf::actor, int64_t>> limiter_of; // story -> limiter, priority
  std::map<uint64_t, caf::actor> granted_by; // permit id -> the limiter to report it done to
  struct node_gateway {
    std::unique_ptr<gateway> gw;
    std::string token;
  };
  std::map<std::string, node_gateway> gateways; // upstream -> this node's gateway to it
  caf::actor forwarder;
  uint64_t id_tag = 0; // high bits of this node's permit ids: distinct from other gateways'

  node_gateway& gateway_for(const std::string& upstream, const std::shared_ptr<node_shared>& self) {
    std::lock_guard<std::mutex> lock(mu);
    auto& ng = gateways[upstream];
    if (ng.gw) return ng;
    gateway_options go;
    go.upstream = upstream;
    go.token = gateway::random_token();
    go.prices = std::make_shared<const price_table>(price_table::load({}));
    ng.token = go.token;
    ng.gw = std::make_unique<gateway>(go);
    auto& gw = ng.gw;
    std::weak_ptr<node_shared> weak = self;
    gateway_permits p;
    p.acquire = [weak](const permit_request& r) {
      auto s = weak.lock();
      if (!s) return false;
      caf::actor limiter;
      int64_t prio = 0;
      {
        std::lock_guard<std::mutex> l(s->mu);
        auto it = s->limiter_of.find(r.story);
        if (it == s->limiter_of.end() || !it->second.first) return true; // no shared limits
        limiter = it->second.first;
        prio = it->second.second;
      }
      auto slot = std::make_shared<permit_slot>();
      remote_permit_wait w{{s->id_tag | r.id, r.story, prio, r.input_estimate, r.output_estimate},
                           std::make_shared<permit_ticket>(slot),
                           limiter};
      caf::anon_send(s->forwarder, std::move(w));
      if (slot->wait() != permit_slot::answer::granted) return false;
      std::lock_guard<std::mutex> l(s->mu);
      s->granted_by[r.id] = limiter;
      return true;
    };
    // The permit goes back to the limiter that granted it, even when the
    // story's job has ended meanwhile.
    p.release = [weak](uint64_t id, const permit_result& r, const rate_headers& h) {
      auto s = weak.lock();
      if (!s) return;
      caf::actor limiter;
      {
        std::lock_guard<std::mutex> l(s->mu);
        auto it = s->granted_by.find(id);
        if (it == s->granted_by.end()) return; // granted without shared limits
        limiter = std::move(it->second);
        s->granted_by.erase(it);
      }
      caf::anon_send(limiter, permit_done_of(s->id_tag | id, r, h));
    };
    gw->set_permits(std::move(p));
    return ng;
  }
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

// The agent's environment on this machine: the node's own (PATH, HOME and
// whatever else this machine defines), then the run's agent settings
// (SDLC_*, ANTHROPIC_*, CLAUDE_*), then anything else the run sets that this
// machine does not.
std::vector<std::string> node_environment(const std::vector<std::string>& job_env) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto agent_setting = [](const std::string& k) {
    return k.rfind("SDLC_", 0) == 0 || k.rfind("ANTHROPIC_", 0) == 0 || k.rfind("CLAUDE_", 0) == 0;
  };
  for (const auto& kv : job_env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    auto key = kv.substr(0, eq);
    if (agent_setting(key) || !env.count(key)) env[key] = kv.substr(eq + 1);
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env)
    out.push_back(k + "=" + v);
  return out;
}

// One job: worktree, executor, commit and push; answers the orchestrator.
// <workdir>/running/<pgid> holds the story id of each agent running here.
void record_running(const std::filesystem::path& workdir, const std::string& pgid,
                    const std::string& story, bool on) {
  auto dir = workdir / "running";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (on) try {
      fs::atomic_write(dir / pgid, story);
    } catch (const std::exception& e) {
      log_line(fmt::format("cannot record agent {}: {}", pgid, e.what()));
    }
  else
    std::filesystem::remove(dir / pgid, ec);
}

// A node killed with its agents running left them orphaned: stop them.
void sweep_orphans(const std::filesystem::path& workdir, std::ostream& out) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(workdir / "running", ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    long pgid = std::atol(name.c_str());
    std::string story;
    try {
      story = fs::read_file(e.path(), 4096);
    } catch (const std::exception&) {
    }
    if (pgid > 0 && process_group_alive(static_cast<pid_t>(pgid)) &&
        is_agent_of_story(pgid, story)) {
      if (stop_process_group(static_cast<pid_t>(pgid), std::chrono::seconds(5)))
        out << fmt::format("stopped agent process group {} ({}) left by a node that was killed\n",
                           pgid, story);
      else
        out << fmt::format("agent process group {} ({}) left by a node that was killed does not "
                           "die after SIGKILL; stop it with kill -9 -{}\n",
                           pgid, story, pgid);
    }
    std::error_code rm;
    std::filesystem::remove(e.path(), rm);
  }
}

struct job_state {
  std::string node_name;
  std::shared_ptr<node_workspace> workspace;
  std::shared_ptr<node_shared> shared;
  caf::actor listener;
  executor_actor executor;
  std::string story;
  std::string pgid;      // of the running agent, recorded under <workdir>/running
  bool orphaned = false; // the story actor is gone: nobody takes the result
  ~job_state() {
    if (!pgid.empty() && workspace) record_running(workspace->workdir(), pgid, story, false);
  }
  static inline const char* name = "node_job";
};

agent_outcome failed_outcome(const std::string& node, const std::string& why) {
  agent_outcome o;
  o.exit_code = -1;
  o.killed_reason = fmt::format("node {}: {}", node, why);
  o.node = node;
  return o;
}

caf::behavior node_job(caf::stateful_actor<job_state>* self, std::string node_name,
                       std::shared_ptr<node_workspace> ws, std::shared_ptr<node_shared> shared) {
  self->state.node_name = std::move(node_name);
  self->state.workspace = std::move(ws);
  self->state.shared = std::move(shared);
  // The orchestrator's story actor went away (run killed, connection lost):
  // stop the agent, nobody will read its result.
  self->set_down_handler([=](caf::down_msg&) {
    self->state.orphaned = true;
    log_line(fmt::format("{}: the orchestrator's story actor is gone; stopping its agent",
                         self->state.story));
    if (self->state.executor) caf::anon_send(self->state.executor, atoms::shutdown::value);
  });
  return {
      [=](remote_job& rj, caf::actor listener, caf::actor limiter) -> caf::result<agent_outcome> {
        auto& st = self->state;
        st.listener = listener;
        st.story = rj.job.story_id;
        self->monitor(listener);
        std::filesystem::path wt;
        try {
          wt = st.workspace->prepare(rj.repo_url, rj.branch, rj.sha);
        } catch (const std::exception& e) {
          log_line(fmt::format("{} {}: {}", rj.job.story_id, rj.job.action, e.what()));
          self->quit();
          return failed_outcome(st.node_name, e.what());
        }
        auto& ng = st.shared->gateway_for(rj.upstream, st.shared);
        gateway* gw = ng.gw.get(); // lives as long as the node's shared state
        {
          std::lock_guard<std::mutex> l(st.shared->mu);
          st.shared->limiter_of[rj.job.story_id] = {limiter, rj.priority};
        }
        auto before = gw->usage(rj.job.story_id, rj.job.action);
        auto job = rj.job;
        job.cwd = wt.string();
        job.env = node_environment(job.env);
        for (auto& kv : job.env) {
          kv = replace_all(kv, rj.gateway_base, gw->base_url());
          kv = replace_all(kv, rj.gateway_token, ng.token); // the node gateway's own token
        }
        log_line(fmt::format("{} {} in {}", job.story_id, job.action, wt.string()));
        st.executor = spawn_executor(self->system(), caf::actor_cast<caf::actor>(self));
        auto promise = self->make_response_promise<agent_outcome>();
        auto limit = reply_limit(job, std::chrono::seconds(60));
        self->request(st.executor, limit, std::move(job))
            .then(
                [=](agent_outcome o) mutable {
                  auto& s = self->state;
                  o.node = s.node_name;
                  auto used = gw->usage(rj.job.story_id, rj.job.action).since(before);
                  if (used.calls > 0) {
                    o.input_tokens = used.input + used.cache_read + used.cache_creation;
                    o.output_tokens = used.output;
                    o.cost_usd = used.cost_usd;
                  }
                  bool ok = o.exit_code == 0 && o.signal == 0 && o.killed_reason.empty();
                  try {
                    if (ok && rj.commit_after && !s.orphaned)
                      o.commit = s.workspace->commit_and_push(wt, rj.repo_url, rj.branch,
                                                              s.node_name, rj.commit_message);
                  } catch (const std::exception& e) {
                    o.killed_reason = fmt::format("node {}: {}", s.node_name, e.what());
                  }
                  {
                    std::lock_guard<std::mutex> l(s.shared->mu);
                    s.shared->limiter_of.erase(rj.job.story_id);
                  }
                  promise.deliver(std::move(o));
                  self->quit();
                },
                [=](caf::error& err) mutable {
                  auto& s = self->state;
                  {
                    std::lock_guard<std::mutex> l(s.shared->mu);
                    s.shared->limiter_of.erase(rj.job.story_id);
                  }
                  promise.deliver(failed_outcome(s.node_name, self->system().render(err)));
                  self->quit();
                });
        return promise;
      },
      [=](story_event& ev) {
        // The pid is this machine's: the orchestrator must not record or kill
        // it. The node records it, so that a node killed now finds (and
        // stops) the agent when it starts again.
        if (ev.kind == "process_started") {
          record_running(self->state.workspace->workdir(), ev.detail, ev.story_id, true);
          self->state.pgid = ev.detail;
          ev.kind = "node_process";
          ev.detail = fmt::format("{} pid {}", self->state.node_name, ev.detail);
        }
        caf::anon_send(self->state.listener, std::move(ev));
      },
      [=](atoms::shutdown) {
        if (self->state.executor) caf::anon_send(self->state.executor, atoms::shutdown::value);
      },
  };
}

struct node_state {
  node_options opts;
  std::string node_name;
  // Where a peer that proved the secret is reported (its relayed connection's
  // port); empty until the gatekeeper is up, and again once it is gone.
  std::shared_ptr<std::atomic<gatekeeper*>> door;
  std::shared_ptr<node_workspace> workspace;
  std::shared_ptr<node_shared> shared;
  std::set<caf::node_id> trusted; // peers that proved the secret
  std::set<caf::actor> jobs;
  std::multiset<std::string> branches; // of the running jobs: their worktrees stay
  int busy = 0;
  ~node_state() {
    // The node stops: running jobs kill their agents and answer; nothing
    // outlives it.
    for (const auto& j : jobs)
      caf::anon_send(j, atoms::shutdown::value);
    if (shared) caf::anon_send_exit(shared->forwarder, caf::exit_reason::user_shutdown);
  }
  static inline const char* name = "node";
};

using node_ptr = node_actor::stateful_pointer<node_state>;

node_info info_of(node_ptr self) {
  auto& st = self->state;
  return node_info{st.node_name, st.opts.slots, st.busy, st.opts.workdir.string(), SDLC_VERSION};
}

void job_ended(node_ptr self, const caf::actor& job, const std::string& branch) {
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

node_actor::behavior_type node_behavior(node_ptr self, node_options o, std::string name,
                                        std::shared_ptr<std::atomic<gatekeeper*>> door) {
  auto& st = self->state;
  st.opts = std::move(o);
  st.node_name = std::move(name);
  st.door = std::move(door);
  st.workspace = std::make_shared<node_workspace>(st.opts.workdir);
  st.shared = std::make_shared<node_shared>();
  st.shared->forwarder = self->system().spawn(permit_forwarder);
  std::mt19937_64 rng{std::random_device{}()};
  st.shared->id_tag = (0x8000ULL | (rng() & 0x7fffULL)) << 48;
  return {
      [=](node_hello& h) -> caf::result<node_info> {
        auto sender = self->current_sender();
        auto who = sender ? to_string(sender->node()) : std::string("an anonymous sender");
        if (!sender || !same_secret(h.token, self->state.opts.token)) {
          log_line(fmt::format("refused {} ({}): wrong token", h.orchestrator, who));
          return caf::make_error(caf::sec::request_receiver_down,
                                 std::string("refused: wrong token for node ") +
                                     self->state.node_name);
        }
        self->state.trusted.insert(sender->node());
        log_line(fmt::format("accepted orchestrator {}", h.orchestrator));
        // The gatekeeper lets this connection be (gatekeeper.hpp): CAF
        // names its port, learnt before the answer while the peer waits.
        auto gate_ref = self->state.door;
        auto promise = self->make_response_promise<node_info>();
        auto info = info_of(self);
        self->request(self->system().middleman().actor_handle(), std::chrono::seconds(10),
                      caf::get_atom::value, sender->node())
            .then(
                [=](const caf::node_id&, const std::string&, uint16_t port) mutable {
                  if (auto* g = gate_ref->load()) g->trust(port);
                  promise.deliver(info);
                },
                [=](caf::error&) mutable { promise.deliver(info); });
        return promise;
      },
      [=](atoms::info) -> caf::result<node_info> {
        if (auto no = refuse_untrusted(self, "a status request")) return *no;
        return info_of(self);
      },
      [=](remote_job& rj, caf::actor listener, caf::actor limiter) -> caf::result<agent_outcome> {
        if (auto no = refuse_untrusted(self, "a job")) return *no;
        auto& s = self->state;
        if (s.busy >= s.opts.slots)
          return caf::make_error(caf::sec::runtime_error, fmt::format("node {} is full ({} slots)",
                                                                      s.node_name, s.opts.slots));
        ++s.busy;
        const auto branch = rj.branch;
        s.branches.insert(branch);
        auto job =
            self->system().spawn<caf::detached>(node_job, s.node_name, s.workspace, s.shared);
        s.jobs.insert(job);
        auto promise = self->make_response_promise<agent_outcome>();
        // The job's own executor request times out at wall + 60 s; this one
        // only guards against a job actor that never answers.
        auto limit = reply_limit(rj.job, std::chrono::minutes(5));
        self->request(job, limit, std::move(rj), std::move(listener), std::move(limiter))
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
      },
      [=](atoms::forget, const std::string& url, const std::string& branch) -> caf::result<bool> {
        if (auto no = refuse_untrusted(self, "a cleanup")) return *no;
        if (self->state.branches.count(branch)) return false; // a job still works there
        try {
          bool removed = self->state.workspace->remove(url, branch);
          if (removed) log_line(fmt::format("removed the worktree of {} (story done)", branch));
          return removed;
        } catch (const std::exception& e) {
          log_line(fmt::format("could not remove the worktree of {}: {}", branch, e.what()));
          return false;
        }
      },
  };
}

} // namespace

int run_node(const node_options& o, std::ostream& out) {
  if (o.token.empty())
    throw bad_input("a node needs a shared secret: --token-file FILE (the orchestrator uses the "
                    "same file)");
  // CAF reads what a peer sends before the token is checked: off loopback,
  // only peers with a certificate our CA signed get that far.
  if (!o.tls.enabled() && !is_loopback_host(o.host))
    throw bad_input(fmt::format(
        "--listen {}: a node reachable from other machines needs TLS with certificates both "
        "ways (--tls-cert, --tls-key, --tls-ca); without it anyone who can reach the port can "
        "make the node allocate memory before the token is checked. Listen on 127.0.0.1, or "
        "see docs/remote-nodes.md for making the certificates",
        o.host));
  if (o.slots < 1) throw bad_input(fmt::format("--slots {}: use 1 or more", o.slots));
  std::filesystem::create_directories(o.workdir);
  sweep_orphans(o.workdir, out);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&stop_signals, sig);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  system_config cfg(true, o.tls, o.connection_timeout);
  caf::actor_system sys{cfg};
  auto name = fmt::format("{}:{}", o.host, o.port);
  auto door = std::make_shared<std::atomic<gatekeeper*>>(nullptr);
  auto node = sys.spawn(node_behavior, o, name, door);
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
    gate.emplace(go, [](const std::string& l) { log_line(l); });
  } catch (...) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    throw;
  }
  door->store(&*gate);
  out << fmt::format("node {} listening ({} slot{}, workdir {}{})\n", name, o.slots,
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
  if (!o.tls.enabled()) sys.middleman().unpublish(node, *inner);
  return 0;
}

} // namespace sdlc
