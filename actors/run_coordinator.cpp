#include "actors/run_coordinator.hpp"

#include "actors/node_pool.hpp"
#include "actors/permit_bridge.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/scheduler.hpp"
#include "actors/status.hpp"
#include "actors/story_actor.hpp"
#include "actors/system_config.hpp"
#include "runtime/api/api_settings.hpp"
#include "runtime/api/gateway.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/process/guard_process.hpp"
#include "runtime/process/signals.hpp"
#include "runtime/report/run_death.hpp"
#include "runtime/report/run_history.hpp"
#include "runtime/report/run_journal.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <ostream>
#include <set>
#include <thread>
#include <unistd.h>

namespace sdlc {

namespace {

gateway_options gateway_options_for(const board& b, const api_settings& api) {
  gateway_options g;
  g.upstream = gateway::resolve_upstream(b.cfg().api_base_url);
  g.token = gateway::random_token();
  g.max_attempts = api.max_attempts;
  g.backoff = api.backoff;
  g.park_threshold = api.park_threshold;
  g.prices = std::make_shared<const price_table>(price_table::load(b.sdlc_dir() / "pricing.yaml"));
  return g;
}

session_options session_options_for(const run_options& o, gateway& gw, const std::string& token,
                                    const api_settings& api) {
  session_options so;
  so.use_worktree = o.use_worktree;
  so.force = o.force;
  so.gateway_base = gw.base_url();
  so.gateway_token = token;
  so.budget = api.budget;
  so.max_actions = o.one_action ? 1 : 0;
  so.only_action = o.step;
  so.usage_of = [&gw](const std::string& story, const std::string& action) {
    return gw.usage(story, action);
  };
  so.parked_until = [&gw] { return gw.parked_until_ms(); };
  return so;
}

// Step 4: until the scheduler says the run is over. Signals arrive on a
// thread of their own (every other thread has them blocked).
int await_run(caf::scoped_actor& self, const scheduler_actor& scheduler, const sigset_t& signals,
              std::chrono::milliseconds grace) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  std::thread signal_thread([&signals, me] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0) {
      if (sig == SIGUSR2) return;
      caf::anon_send(me, atoms::drain::value);
    }
  });
  int signals_seen = 0;
  int code = 0;
  bool over = false;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  while (!over) {
    auto wait = deadline ? std::chrono::duration_cast<std::chrono::milliseconds>(
                               *deadline - std::chrono::steady_clock::now())
                         : std::chrono::milliseconds(3600 * 1000);
    self->receive(
        [&](atoms::done, int c) {
          code = c;
          over = true;
        },
        [&](atoms::drain) {
          if (++signals_seen == 1) {
            std::cerr << fmt::format("\nrun: stopping — running actions get {} s to finish "
                                     "(Ctrl-C again to stop now); `run --continue` resumes\n",
                                     grace.count() / 1000);
            caf::anon_send(scheduler, atoms::drain::value);
            deadline = std::chrono::steady_clock::now() + grace;
          } else {
            std::cerr << "run: stopping now\n";
            caf::anon_send(scheduler, atoms::shutdown::value);
          }
        },
        caf::after(std::max(std::chrono::milliseconds(1), wait)) >>
            [&] {
              if (deadline && std::chrono::steady_clock::now() >= *deadline) {
                caf::anon_send(scheduler, atoms::shutdown::value);
                deadline.reset();
              }
            });
  }
  pthread_kill(signal_thread.native_handle(), SIGUSR2);
  signal_thread.join();
  return code;
}

// One API budget for every agent: the gateway asks the limiter before each
// upstream attempt (and a node's gateways, over the network). Without shared
// limits the gateway only forwards and counts.
void share_limits(std::optional<permit_bridge>& permits, caf::actor_system& sys,
                  const api_settings& api, const status_actor& status,
                  const scheduler_actor& scheduler, int concurrency, const run_plan& plan,
                  const std::shared_ptr<node_pool>& pool, gateway& gw) {
  limiter_options lo;
  lo.limits = api.limits;
  lo.status = status->address();
  lo.scheduler = scheduler->address();
  if (concurrency > 1) lo.scaler.emplace(concurrency, api.scale_queued, api.scale_idle);
  std::map<std::string, long> priorities;
  for (const auto& it : plan.items)
    priorities[it.id] = it.priority;
  auto limiter = spawn_rate_limiter(sys, lo);
  if (pool) pool->settings.limiter = limiter;
  permits.emplace(limiter, std::move(priorities));
  gw.set_permits(permits->permits());
}

// The table and the API line at the end of a run.
void print_summary(caf::scoped_actor& self, const status_actor& status, const gateway& gw,
                   std::ostream& out) {
  std::string table;
  self->request(status, std::chrono::seconds(10), atoms::summary::value)
      .receive([&](std::string& t) { table = std::move(t); }, [&](caf::error&) {});
  auto usage = gw.total_usage();
  const long held = gw.permits_held();
  out << "\n" << table;
  out << fmt::format("API: {} calls, tokens in {} / out {}, ${:.4f}; {} rate-limited calls "
                     "retried by the gateway; {}\n",
                     usage.calls, usage.input + usage.cache_read + usage.cache_creation,
                     usage.output, usage.cost_usd, gw.retried(),
                     held == 0 ? std::string("every API permit returned")
                               : fmt::format("{} API permits never returned", held));
  out.flush();
}

// The run is over and reported: every agent has ended and every file is
// written. If tearing down the actor system itself then hangs (CAF 0.17 has
// done so on stuck connections, and once in ~5 full suite runs after a node
// was SIGKILLed — docs/caf-notes.md), the process still ends, with the run's
// exit code, instead of hanging a script that waits for it.
void guard_teardown(int code) {
  std::thread([code] {
    std::this_thread::sleep_for(std::chrono::seconds(60));
    const char msg[] = "run: the actor system did not shut down within 60 s after the run "
                       "ended; exiting (every agent had ended, every file was written)\n";
    if (::write(2, msg, sizeof msg - 1) < 0) {
      // nothing more to say
    }
    std::_Exit(code);
  }).detach();
}

// The run's journal (docs/report.md), opened with its first line: what this
// run set out to do. A board it cannot write to costs the journal, not the run.
std::shared_ptr<run_journal> open_journal(const board& b, const prepared_run& p, int concurrency,
                                          std::ostream& out) {
  const auto started = time::now_ms();
  try {
    const auto runs_dir = b.sdlc_dir() / "runs";
    auto journal = std::make_shared<run_journal>(runs_dir, new_run_id(started));
    prune_runs(runs_dir, static_cast<std::size_t>(b.cfg().keep_runs), journal->id());
    nlohmann::json first;
    first["event"] = "run_started";
    first["run"] = journal->id();
    first["at_ms"] = started;
    first["concurrency"] = concurrency;
    auto& stories = first["stories"] = nlohmann::json::array();
    for (const auto& it : p.plan.items)
      stories.push_back({{"id", it.id},
                         {"title", p.plan.titles.at(it.id)},
                         {"depends_on", it.depends_on},
                         {"expected_actions", p.plan.expected_actions.at(it.id)}});
    journal->append(first);
    journal->flush();
    // If this run dies, its guard ends the journal (runtime/report/run_death).
    if (p.guard) p.guard->tell(journal_told_prefix + journal->file().string());
    return journal;
  } catch (const std::exception& e) {
    out << fmt::format("warning: {}; the run goes on without a journal\n", e.what());
    return nullptr;
  }
}

// notification.* for this run (docs/notifications.md).
std::optional<status_options::notifications>
notifications_for(const board& b, const prepared_run& p, const std::string& run_id) {
  const auto& s = b.cfg().notification;
  if (!s.enabled) return std::nullopt;
  std::set<notification_kind> selected;
  for (const auto& name : s.events)
    if (auto k = notification_kind_named(name)) selected.insert(*k);
  status_options::notifications n{
      notification_picker(run_id, std::move(selected)), s.uses("console"), {}};
  for (const auto& it : p.plan.items)
    n.picker.add_title(it.id, p.plan.titles.at(it.id));
  if (needs_notifier(s))
    n.notifier = notifier_options{s, b.sdlc_dir() / s.file_path, b.project_root()};
  return n;
}

// The last notifications (the run's end among them) get the time their
// channels are allowed, and no more: a hanging webhook never holds the exit
// beyond its timeout and retry.
void flush_notifications(caf::scoped_actor& self, const status_actor& status,
                         const config::notification_settings& s, std::ostream& out) {
  if (!s.enabled) return;
  const auto wait = 3 * s.timeout + std::chrono::seconds(2); // a webhook's two tries, a command
  self->request(status, wait, atoms::flush::value)
      .receive(
          [&](int failed) {
            if (failed > 0)
              out << fmt::format("notifications: {} deliver{} failed (the run's log and journal "
                                 "say why)\n",
                                 failed, failed == 1 ? "y" : "ies");
          },
          [&](caf::error&) {
            out << fmt::format("notifications: still being delivered after {} ms; the rest are "
                               "dropped\n",
                               std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
          });
}

// Step 3 and 4: the run's actors on one actor system, until it is over.
int spawn_and_await(run_setup& s, prepared_run& p, std::ostream& out) {
  const auto& o = s.opts;
  const auto& b = *p.the_board;
  int n = s.concurrency;
  // Before any thread starts: they all inherit the blocked mask.
  const auto stop_signals = block_stop_signals({SIGINT, SIGTERM, SIGHUP, SIGUSR2});
  const auto api = api_settings_from(b.cfg().tree);
  const auto gopts = gateway_options_for(b, api);
  gateway gw(gopts);
  auto sopts = session_options_for(o, gw, gopts.token, api);

  const bool remote = !s.nodes.nodes.empty();
  system_config sys_cfg(remote, s.nodes.tls, s.nodes.connection_timeout);
  caf::actor_system sys{sys_cfg};
  std::shared_ptr<node_pool> pool;
  scheduler_core core(p.plan.items, n); // refuses cycles before anything starts
  if (remote) {
    pool = std::make_shared<node_pool>(sys, s.nodes.nodes, s.nodes.token, s.nodes.local ? n : 0);
    pool->settings = {s.nodes.url, gopts.upstream, gw.base_url(), gopts.token, {}};
    for (const auto& ni : pool->nodes())
      out << fmt::format("node {}: {} slot{}\n", ni.name, ni.slots, ni.slots == 1 ? "" : "s");
    n = std::min(n, pool->capacity());
    core.set_capacity(n);
  }
  caf::scoped_actor self{sys};

  status_options sto;
  sto.limit = n;
  sto.live = term::style_for(1).color; // a terminal that takes escape codes
  sto.color = sto.live;
  for (const auto& it : p.plan.items)
    sto.stories.emplace_back(it.id, p.plan.titles[it.id], p.plan.expected_actions[it.id]);
  sto.journal = open_journal(b, p, n, out);
  sto.notify =
      notifications_for(b, p, sto.journal ? sto.journal->id() : new_run_id(time::now_ms()));
  auto status = spawn_status(sys, sto);

  scheduler_options so;
  so.fail_fast = o.fail_fast;
  so.budget = api.budget;
  so.serialize_conflicts = s.cfg.conflicts == conflict_policy::serialize;
  so.conflicts = std::move(p.preflight.scan);
  so.restarts = s.cfg.supervision;
  so.land = o.land;
  // A single story keeps its worktree for inspection; a concurrent run
  // removes done stories' worktrees (their branches stay) unless asked not
  // to, or unless the landing lane will need them.
  sopts.drop_worktree_when_done = !o.keep_worktrees && n > 1 && !o.land;
  if (so.serialize_conflicts && so.conflicts) sopts.conflict_base = so.conflicts->base_branch;
  if (o.watch) {
    so.watch = o.select;
    so.watch_every = s.cfg.watch_every;
  }
  so.make_story = [&sys, b, sopts, pool, status](story_report_actor parent, const std::string& id,
                                                 int incarnation) {
    return spawn_story_actor(sys, std::move(parent), status, b, id, sopts, incarnation, pool);
  };
  auto scheduler = spawn_scheduler(sys, caf::actor_cast<coordinator_actor>(self), b, core, status,
                                   std::move(so));

  std::optional<permit_bridge> permits;
  if (api.share_limits) share_limits(permits, sys, api, status, scheduler, n, p.plan, pool, gw);

  if (!sto.live)
    out << fmt::format("run: {} stor{}, {} at a time, gateway {}{}{}\n", p.plan.items.size(),
                       p.plan.items.size() == 1 ? "y" : "ies", n, gw.base_url(),
                       o.use_worktree ? ", one worktree per story" : "",
                       o.watch ? fmt::format(", watching the board every {} ms (Ctrl-C stops)",
                                             s.cfg.watch_every.count())
                               : "");
  out.flush();
  caf::anon_send(scheduler, atoms::step::value);
  const int code = await_run(self, scheduler, stop_signals, s.cfg.shutdown_grace);

  // Before the actor system goes: no gateway thread may still wait for (or
  // talk to) the limiter.
  gw.set_permits({});
  if (permits) permits->close();
  print_summary(self, status, gw, out);
  flush_notifications(self, status, b.cfg().notification, out);
  guard_teardown(code);
  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown); // its supervisor goes with it
  caf::anon_send_exit(status, caf::exit_reason::user_shutdown);
  return code;
}

} // namespace

int run_stories(run_options o, std::ostream& out) {
  auto setup = resolve_run(std::move(o));
  auto prepared = prepare_board(setup, out);
  if (auto* code = std::get_if<int>(&prepared)) return *code;
  auto& p = std::get<prepared_run>(prepared);
  const int code = spawn_and_await(setup, p, out);
  return code == 0 ? p.unreadable_code : code;
}

} // namespace sdlc
