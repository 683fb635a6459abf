#include "actors/run_coordinator.hpp"

#include "actors/node_pool.hpp"
#include "actors/permit_bridge.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/scheduler.hpp"
#include "actors/status.hpp"
#include "actors/story_actor.hpp"
#include "actors/story_supervisor.hpp"
#include "actors/system_config.hpp"
#include "runtime/api/api_settings.hpp"
#include "runtime/api/gateway.hpp"
#include "runtime/config/batch_file.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/schedule/preflight.hpp"
#include "runtime/schedule/run_plan.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/workflow/cleanup.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <csignal>
#include <iostream>
#include <ostream>
#include <thread>
#include <unistd.h>

namespace sdlc {

std::string read_token_file(const std::filesystem::path& file) {
  std::string text;
  try {
    text = fs::read_file(file, 64 * 1024);
  } catch (const std::exception& e) {
    throw bad_input(fmt::format("token file {}: {}; create one with `head -c 32 /dev/urandom | "
                                "base64 > {}` and give both sides the same file",
                                file.string(), e.what(), file.string()));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() < 16 || text.find('\n') != std::string::npos)
    throw bad_input(fmt::format("token file {}: the secret must be one line of at least 16 "
                                "characters (e.g. `head -c 32 /dev/urandom | base64`)",
                                file.string()));
  return text;
}

tls_files resolve_tls(const std::string& cert, const std::string& key, const std::string& ca,
                      const config* cfg) {
  tls_files t{cert, key, ca};
  if (cfg) {
    const auto& c = cfg->tree["remote"]["tls"];
    auto from = [&](std::string& v, const char* k) {
      if (v.empty() && !c[k].IsNull()) v = c[k].as<std::string>();
    };
    from(t.certificate, "certificate");
    from(t.key, "key");
    from(t.ca, "ca");
  }
  int given = !t.certificate.empty() + !t.key.empty() + !t.ca.empty();
  if (given != 0 && given != 3)
    throw bad_input("TLS needs all three: --tls-cert (this side's certificate), --tls-key (its "
                    "key) and --tls-ca (the CA that signed the other side's); see "
                    "docs/remote-nodes.md");
  for (const auto& [flag, file] :
       {std::pair<const char*, const std::string&>{"--tls-cert", t.certificate},
        {"--tls-key", t.key},
        {"--tls-ca", t.ca}})
    if (!file.empty() && !std::filesystem::is_regular_file(file))
      throw bad_input(fmt::format("{} {}: no such file", flag, file));
  return t;
}

namespace {

struct node_plan {
  std::vector<std::string> nodes;
  bool local = true;
  std::string url;
  std::string token;
  std::chrono::milliseconds connection_timeout = default_connection_timeout;
};

// Which nodes, which remote and which secret: flags over the batch file
// over the project's config (remote.*).
node_plan plan_nodes(const run_options& o, const config& cfg,
                     const std::vector<std::string>& batch) {
  node_plan p;
  const auto& r = cfg.tree["remote"];
  for (const auto& n : r["nodes"])
    p.nodes.push_back(n.as<std::string>());
  p.nodes.insert(p.nodes.end(), batch.begin(), batch.end());
  p.nodes.insert(p.nodes.end(), o.nodes.begin(), o.nodes.end());
  std::sort(p.nodes.begin(), p.nodes.end());
  p.nodes.erase(std::unique(p.nodes.begin(), p.nodes.end()), p.nodes.end());
  p.local = r["local"].as<bool>() && !o.no_local;
  if (p.nodes.empty()) {
    if (!p.local) throw bad_input("--no-local needs at least one --node (or remote.nodes)");
    return p;
  }
  if (r["url"].IsNull() || r["url"].as<std::string>().empty())
    throw bad_input("running on nodes needs remote.url: the git remote both sides reach (a bare "
                    "repository path, file://, ssh://); set it with `sdlc-actors config "
                    "remote.url <url>`");
  p.url = r["url"].as<std::string>();
  std::optional<std::filesystem::path> tf = o.token_file;
  if (!tf && !r["tokenFile"].IsNull()) tf = r["tokenFile"].as<std::string>();
  if (!tf)
    throw bad_input("running on nodes needs their shared secret: --token-file FILE (or "
                    "remote.tokenFile), the file the nodes were started with");
  p.token = read_token_file(*tf);
  const auto timeout = r["connectionTimeoutMs"].as<long long>();
  if (timeout < min_connection_timeout.count())
    throw bad_input(fmt::format("remote.connectionTimeoutMs is {}: use {} or more (a node "
                                "silent that long is lost; heartbeats go 5 times as often)",
                                timeout, min_connection_timeout.count()));
  p.connection_timeout = std::chrono::milliseconds(timeout);
  return p;
}

} // namespace

int run_stories(run_options o, std::ostream& out) {
  auto root = find_project_root(o.project);
  auto cfg = load_config(root, current_environment());
  for (const auto& w : cfg.warnings)
    std::cerr << "warning: " << w << "\n";
  std::vector<std::string> batch_nodes;
  if (o.batch_file) {
    // The file gives the run's shape; flags on the command line win over it.
    auto batch = load_batch_file(*o.batch_file, cfg);
    if (o.select.story_ids.empty() && !o.select.all && !o.select.resume)
      o.select.story_ids = batch.selection.story_ids;
    o.select.labels = batch.selection.labels;
    o.select.statuses = batch.selection.statuses;
    o.select.priority_overrides = batch.selection.priority_overrides;
    if (!o.concurrent) o.concurrent = batch.concurrency;
    o.fail_fast = o.fail_fast || batch.fail_fast.value_or(false);
    o.keep_worktrees = o.keep_worktrees || batch.keep_worktrees.value_or(false);
    batch_nodes = batch.nodes;
  }
  const auto nodes = plan_nodes(o, cfg, batch_nodes);
  o.use_worktree = o.use_worktree || cfg.worktree_enabled;
  board b(root, cfg);
  migrate_legacy_workflow_state(b);
  int n = o.concurrent.value_or(1);
  const int max_n = cfg.tree["limits"]["maxConcurrent"].as<int>();
  if (n < 1 || n > max_n)
    throw bad_input(fmt::format("--concurrent {}: use 1 to {} (limits.maxConcurrent)", n, max_n));
  if (n > 1 || !nodes.nodes.empty()) o.use_worktree = true; // a story's work has its own tree
  // Before anything reads the board for a run: one orchestrator per board
  // (and a killed run's lock file goes now, even if there is nothing to do).
  std::unique_ptr<file_lock> run_lock;
  if (!o.dry_run) run_lock = acquire_run_lock(b, o.force_unlock);
  auto plan = make_run_plan(b, o.select);
  for (const auto& [id, why] : plan.skipped)
    out << fmt::format("skipping {}: {}\n", id, why);
  // A story that cannot be read is named, never silently left out; the run
  // goes on with the others and ends with exit code 2.
  for (const auto& p : plan.unreadable)
    std::cerr << fmt::format("error: left out of this run: {}; fix the file (`sdlc-actors "
                             "status` lists every problem)\n",
                             printable(p.message));
  const int unreadable_code = plan.unreadable.empty() ? 0 : static_cast<int>(exit_code::bad_input);
  if (o.dry_run) {
    out << describe_plan(plan, n, o.action_seconds);
    return unreadable_code;
  }
  if (plan.items.empty()) {
    out << "nothing to run: no selected story needs work"
        << (o.select.resume ? " (no interrupted checkpoint)" : "") << "\n";
    return unreadable_code ? unreadable_code : plan.skipped.empty() ? 0 : 1;
  }
  scheduler_core core(plan.items, n); // refuses cycles before anything starts
  const auto conflicts = conflict_policy_from(cfg.tree["conflicts"]["policy"].as<std::string>());
  std::vector<std::string> ids;
  for (const auto& it : plan.items)
    ids.push_back(it.id);
  auto pre =
      preflight_conflicts(b, ids, conflicts, o.yes, isatty(0) && isatty(1), std::cin, std::cerr);
  if (!pre.go) {
    out << "run: not started\n";
    return static_cast<int>(exit_code::failure);
  }
  if (o.use_worktree) {
    // Leftovers of earlier runs first (stale metadata, dead pids, stale
    // locks, done worktrees beyond the limits), then room for this run.
    int fresh = 0;
    for (const auto& it : plan.items)
      if (b.find(it.id).str("worktree_path").empty()) ++fresh;
    cleanup_options co;
    co.room_for = std::min(fresh, n);
    auto report = cleanup_board(b, co);
    for (const auto& a : report.actions)
      out << "cleanup: " << describe(a, false) << "\n";
    require_worktree_room(b, std::min(fresh, n), report.remaining);
  }
  if (o.use_worktree && !o.force) {
    // Once for the run, before anything starts (not once per story).
    git::worktree_service(root, cfg.worktree_base_path).require_clean(b.sdlc_dir());
    o.force = true; // checked: the story sessions need not check again
  }

  // Signals go to a dedicated thread; every other thread (CAF's, the
  // gateway's, the readers') inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR2})
    sigaddset(&stop_signals, sig);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto api = api_settings_from(b.cfg().tree);
  const auto token = gateway::random_token();
  gateway_options gopts;
  gopts.upstream = gateway::resolve_upstream(b.cfg().api_base_url);
  gopts.token = token;
  gopts.max_attempts = api.max_attempts;
  gopts.backoff = api.backoff;
  gopts.park_threshold = api.park_threshold;
  gopts.prices =
      std::make_shared<const price_table>(price_table::load(b.sdlc_dir() / "pricing.yaml"));
  gateway gw(gopts);
  session_options sopts;
  sopts.use_worktree = o.use_worktree;
  sopts.force = o.force;
  sopts.gateway_base = gw.base_url();
  sopts.gateway_token = token;
  sopts.budget = api.budget;
  sopts.usage_of = [&gw](const std::string& story, const std::string& action) {
    return gw.usage(story, action);
  };
  sopts.parked_until = [&gw] { return gw.parked_until_ms(); };

  const auto tls =
      nodes.nodes.empty() ? tls_files{} : resolve_tls(o.tls_cert, o.tls_key, o.tls_ca, &cfg);
  system_config sys_cfg(!nodes.nodes.empty(), tls, nodes.connection_timeout);
  caf::actor_system sys{sys_cfg};
  std::shared_ptr<node_pool> pool;
  if (!nodes.nodes.empty()) {
    pool = std::make_shared<node_pool>(sys, nodes.nodes, nodes.token, nodes.local ? n : 0);
    pool->settings.repo_url = nodes.url;
    pool->settings.upstream = gopts.upstream;
    pool->settings.gateway_base = gw.base_url();
    pool->settings.gateway_token = token;
    for (const auto& ni : pool->nodes())
      out << fmt::format("node {}: {} slot{}\n", ni.name, ni.slots, ni.slots == 1 ? "" : "s");
    n = std::min(n, pool->capacity());
    core.set_capacity(n);
  }
  caf::scoped_actor self{sys};
  caf::actor me = caf::actor_cast<caf::actor>(self);

  status_options sto;
  sto.limit = n;
  sto.live = term::style_for(1).color; // a terminal that takes escape codes
  sto.color = sto.live;
  for (const auto& it : plan.items)
    sto.stories.emplace_back(it.id, plan.titles[it.id], plan.expected_actions[it.id]);
  auto status = spawn_status(sys, sto);

  restart_policy policy;
  const auto& sup = b.cfg().tree["supervision"];
  policy.max_restarts = sup["maxRestarts"].as<int>();
  policy.window = std::chrono::milliseconds(sup["windowMs"].as<long long>());
  policy.backoff = std::chrono::milliseconds(sup["backoffMs"].as<long long>());
  policy.max_backoff = std::chrono::milliseconds(sup["maxBackoffMs"].as<long long>());
  auto factory = [&sys, b, sopts, pool](caf::actor parent, const std::string& id, int incarnation) {
    return spawn_story_actor(sys, std::move(parent), b, id, sopts, incarnation, pool);
  };
  scheduler_options so;
  so.fail_fast = o.fail_fast;
  // A single story keeps its worktree for inspection; a concurrent run
  // removes done stories' worktrees (their branches stay) unless asked not to.
  so.keep_worktrees = o.keep_worktrees || n == 1;
  so.budget = api.budget;
  so.serialize_conflicts = conflicts == conflict_policy::serialize;
  so.conflicts = std::move(pre.scan);
  // The supervisor reports to the scheduler, which must exist first: give the
  // supervisor a forwarding parent that we point at the scheduler once spawned.
  auto relay = sys.spawn([](caf::event_based_actor* r) -> caf::behavior {
    auto target = std::make_shared<caf::actor>();
    return {[=](caf::actor& t) { *target = t; },
            [=](story_event& e) { caf::anon_send(*target, std::move(e)); },
            [=](story_finished& f) { caf::anon_send(*target, std::move(f)); },
            [=](atoms::shutdown) { r->quit(); }};
  });
  auto supervisor = spawn_story_supervisor(sys, relay, factory, policy);
  auto scheduler = spawn_scheduler(sys, me, b, core, supervisor, status, so);
  caf::anon_send(relay, caf::actor_cast<caf::actor>(scheduler));

  // One API budget for every agent: the gateway asks the limiter before each
  // upstream attempt. Without shared limits it only forwards and counts.
  std::optional<permit_bridge> permits;
  if (api.share_limits) {
    limiter_options lo;
    lo.limits = api.limits;
    lo.status = status->address();
    lo.scheduler = scheduler->address();
    if (n > 1) lo.scaler.emplace(n, api.scale_queued, api.scale_idle);
    std::map<std::string, long> priorities;
    for (const auto& it : plan.items)
      priorities[it.id] = it.priority;
    auto limiter = spawn_rate_limiter(sys, lo);
    if (pool) pool->settings.limiter = caf::actor_cast<caf::actor>(limiter);
    permits.emplace(limiter, std::move(priorities));
    gw.set_permits(permits->permits());
  }

  std::thread signal_thread([&stop_signals, me] {
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0) {
      if (sig == SIGUSR2) return;
      caf::anon_send(me, atoms::drain::value);
    }
  });

  if (!sto.live)
    out << fmt::format("run: {} stor{}, {} at a time, gateway {}{}\n", plan.items.size(),
                       plan.items.size() == 1 ? "y" : "ies", n, gw.base_url(),
                       o.use_worktree ? ", one worktree per story" : "");
  out.flush();
  caf::anon_send(scheduler, atoms::step::value);

  const auto grace =
      std::chrono::milliseconds(b.cfg().tree["shutdown"]["gracePeriod"].as<long long>());
  int signals = 0;
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
          ++signals;
          if (signals == 1) {
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
  // Before the actor system goes: no gateway thread may still wait for (or
  // talk to) the limiter.
  gw.set_permits({});
  if (permits) permits->close();

  std::string table;
  self->request(status, std::chrono::seconds(10), atoms::summary::value)
      .receive([&](std::string& s) { table = std::move(s); }, [&](caf::error&) {});
  auto usage = gw.total_usage();
  out << "\n" << table;
  out << fmt::format("API: {} calls, tokens in {} / out {}, ${:.4f}; {} rate-limited calls "
                     "retried by the gateway\n",
                     usage.calls, usage.input + usage.cache_read + usage.cache_creation,
                     usage.output, usage.cost_usd, gw.retried());
  out.flush();
  caf::anon_send(relay, atoms::shutdown::value);
  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(status, caf::exit_reason::user_shutdown);
  return code == 0 ? unreadable_code : code;
}

} // namespace sdlc
