#include "actors/run_coordinator.hpp"

#include "actors/story_actor.hpp"
#include "actors/system_config.hpp"
#include "runtime/api/gateway.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/dependency_graph.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <csignal>
#include <map>
#include <ostream>
#include <set>
#include <thread>

namespace sdlc {

namespace {

std::string clock_of(int64_t ms) {
  auto t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

int64_t time_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool worth_printing(const story_event& e) {
  static const std::set<std::string> quiet = {"text", "stderr", "output", "unknown_event",
                                              "process_exited", "agent_init"};
  return !quiet.count(e.kind);
}

// The stories to run, dependencies first, then by priority.
std::vector<std::string> select_stories(const board& b, const run_options& o) {
  auto scan = b.scan();
  for (const auto& p : scan.problems)
    if (p.message.find("is also used by") == std::string::npos)
      throw bad_input(p.message);
  std::vector<std::string> chosen;
  if (!o.story_ids.empty()) {
    for (const auto& id : o.story_ids)
      chosen.push_back(b.find(id).id());
    return chosen;
  }
  dependency_graph g(scan.stories);
  for (const auto& issue : g.issues())
    throw bad_input(issue.message() + "; fix the dependencies before running");
  std::map<std::string, const story*> by_id;
  for (const auto& s : scan.stories)
    by_id.emplace(s.id(), &s);
  for (const auto& id : g.topological_order()) {
    auto it = by_id.find(id);
    if (it == by_id.end())
      continue;
    const auto& s = *it->second;
    if (o.resume) {
      auto st = workflow_state::load(s.dir());
      if ((st && st->current_action()) || s.status() == story_status::in_progress)
        chosen.push_back(s.id());
    } else if (s.status() != story_status::done && s.status() != story_status::blocked) {
      chosen.push_back(s.id());
    }
  }
  return chosen;
}

} // namespace

int run_stories(const run_options& o, std::ostream& out) {
  auto root = find_project_root(o.project);
  board b(root, load_config(root, current_environment()));
  migrate_legacy_workflow_state(b);
  auto stories = select_stories(b, o);
  if (stories.empty()) {
    out << "nothing to run: no story needs work" << (o.resume ? " (no interrupted checkpoint)" : "")
        << "\n";
    return 0;
  }

  // Signals go to a dedicated thread; every other thread (CAF's, the
  // gateway's, the readers') inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  sigaddset(&stop_signals, SIGUSR2); // our own wake-up at the end of the run
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto token = gateway::random_token();
  gateway gw({gateway::resolve_upstream(b.cfg().api_base_url), token});
  session_options sopts;
  sopts.use_worktree = o.use_worktree;
  sopts.force = o.force;
  sopts.gateway_base = gw.base_url();
  sopts.gateway_token = token;

  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  std::atomic<bool> signalled{false};
  caf::actor me = caf::actor_cast<caf::actor>(self);
  std::thread signal_thread([&, me] {
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0) {
      if (sig == SIGUSR2)
        return;
      signalled = true;
      caf::anon_send(me, atoms::shutdown::value);
    }
  });

  std::map<std::string, std::string> results;
  std::set<std::string> unsuccessful;
  bool interrupted = false;
  auto scan = b.scan();
  dependency_graph graph(scan.stories);
  auto started_at = std::chrono::steady_clock::now();
  out << fmt::format("run: {} stor{} ({}), gateway {}{}\n", stories.size(),
                     stories.size() == 1 ? "y" : "ies", fmt::join(stories, ", "), gw.base_url(),
                     o.use_worktree ? ", one worktree per story" : "");
  out.flush();
  for (const auto& id : stories) {
    if (interrupted || signalled) {
      interrupted = true;
      break;
    }
    std::string waiting_on;
    for (const auto& dep : graph.dependencies_of(id))
      if (unsuccessful.count(dep))
        waiting_on = dep;
    if (!waiting_on.empty()) {
      results[id] = fmt::format("skipped (its dependency {} did not finish)", waiting_on);
      unsuccessful.insert(id);
      out << fmt::format("{} {} skipped: dependency {} did not finish\n",
                         clock_of(time_ms_now()), id, waiting_on);
      continue;
    }
    auto actor = spawn_story_actor(sys, me, b, id, sopts);
    self->send(actor, atoms::step::value);
    bool finished = false;
    while (!finished) {
      self->receive(
          [&](story_event& e) {
            if (worth_printing(e))
              out << fmt::format("{} {} {:<10} {} {}\n", clock_of(e.at_ms), e.story_id, e.action,
                                 e.kind, e.detail);
            out.flush();
          },
          [&](story_finished& f) {
            finished = true;
            results[f.story_id] = f.result + (f.detail.empty() ? "" : ": " + f.detail);
            if (f.result != "done")
              unsuccessful.insert(f.story_id);
            if (f.result == "interrupted")
              interrupted = true;
            out << fmt::format("{} {} finished: {}\n", clock_of(time_ms_now()), f.story_id,
                               results[f.story_id]);
            out.flush();
          },
          [&](atoms::shutdown) {
            out << "run: interrupted; stopping the running agent (state is saved; `run "
                   "--continue` resumes)\n";
            out.flush();
            interrupted = true;
            caf::anon_send(actor, atoms::shutdown::value);
          });
    }
  }
  pthread_kill(signal_thread.native_handle(), SIGUSR2);
  signal_thread.join();

  auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started_at).count() / 1000.0;
  auto usage = gw.total_usage();
  out << fmt::format("\nsummary ({:.1f} s, API tokens in {} / out {}):\n", secs,
                     usage.input + usage.cache_read + usage.cache_creation, usage.output);
  for (const auto& id : stories)
    out << fmt::format("  {:<8} {}\n", id, results.count(id) ? results[id] : "not started");
  out.flush();
  if (interrupted)
    return 130;
  return unsuccessful.empty() ? 0 : 1;
}

} // namespace sdlc
