#include "runtime/schedule/run_preparation.hpp"

#include "runtime/config/batch_file.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/land/lane.hpp"
#include "runtime/schedule/recommended_action.hpp"
#include "runtime/schedule/run_shape.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/workflow/cleanup.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/workflow/transitions.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <ostream>
#include <set>
#include <unistd.h>

namespace sdlc {

namespace {

// Which nodes, which remote and which secret: flags over the batch file
// over the project's config (remote.*).
node_plan plan_nodes(const run_options& o, const config& cfg,
                     const std::vector<std::string>& batch) {
  const auto& r = cfg.remote;
  node_plan p;
  p.nodes = r.nodes;
  p.nodes.insert(p.nodes.end(), batch.begin(), batch.end());
  p.nodes.insert(p.nodes.end(), o.nodes.begin(), o.nodes.end());
  std::sort(p.nodes.begin(), p.nodes.end());
  p.nodes.erase(std::unique(p.nodes.begin(), p.nodes.end()), p.nodes.end());
  p.local = r.local && !o.no_local;
  if (p.nodes.empty()) {
    if (!p.local) throw bad_input("--no-local needs at least one --node (or remote.nodes)");
    return p;
  }
  if (r.url.empty())
    throw bad_input("running on nodes needs remote.url: the git remote both sides reach (a bare "
                    "repository path, file://, ssh://); set it with `sdlc-actors config "
                    "remote.url <url>`");
  p.url = r.url;
  auto tf = o.token_file.value_or(r.token_file);
  if (tf.empty())
    throw bad_input("running on nodes needs their shared secret: --token-file FILE (or "
                    "remote.tokenFile), the file the nodes were started with");
  p.token = read_token_file(tf);
  p.tls = resolve_tls(o.tls, {r.tls_certificate, r.tls_key, r.tls_ca});
  p.connection_timeout = r.connection_timeout;
  return p;
}

// Step mode: the run takes the board's recommended story (or --story's), or
// with --auto --step P every story whose next action is P; one action each.
// Returns an exit code when there is nothing to do, or on --dry-run.
std::optional<int> choose_step(run_setup& s, const board& b, const board_scan& scan,
                               std::ostream& out) {
  auto& o = s.opts;
  const auto limits = limits_of(s.cfg);
  std::optional<story> named;
  if (!o.select.story_ids.empty()) named = b.find(o.select.story_ids.front());
  std::vector<recommended_action> chosen;
  for (auto& r : recommended_actions(scan, limits))
    if ((!named || r.id == named->id()) && (!o.step || r.action == *o.step))
      chosen.push_back(std::move(r));
  if (!o.select.all && chosen.size() > 1) chosen.resize(1);
  if (chosen.empty()) {
    std::string why = "no story has an action to run (`status` shows the board)";
    if (named) {
      auto d = next_action(facts_of(*named), limits);
      why = !runs_an_agent(d.action)
                ? fmt::format("{} has no action to run: {}", named->id(), d.reason)
            : o.step && d.action != *o.step
                ? fmt::format("{} needs {} next", named->id(), to_string(d.action))
                : fmt::format("{} waits for its dependencies to be done", named->id());
    }
    out << fmt::format("nothing to run{}: {}\n",
                       o.step ? fmt::format(" for step {}", to_string(*o.step)) : "", why);
    return 0;
  }
  o.select.story_ids.clear();
  o.select.all = false;
  for (const auto& r : chosen) {
    o.select.story_ids.push_back(r.id);
    out << fmt::format("{} {} for {}: {}\n", o.dry_run ? "would run" : "running",
                       to_string(r.action), r.id, r.reason);
  }
  if (o.dry_run) return 0;
  return std::nullopt;
}

} // namespace

run_setup resolve_run(run_options o) {
  run_setup s;
  s.root = find_project_root(o.project);
  s.cfg = load_config(s.root, current_environment());
  for (const auto& w : s.cfg.warnings)
    std::cerr << "warning: " << printable(w) << "\n";
  if (!s.cfg.not_acted_on.empty())
    std::cerr << fmt::format("note: ai-sdlc settings sdlc-actors does not use: {} (kept for "
                             "ai-sdlc; docs/migrating-from-ai-sdlc.md)\n",
                             fmt::join(s.cfg.not_acted_on, ", "));
  // ai-sdlc can name other providers; sdlc-actors runs Claude Code or agent.command.
  if (s.cfg.ai_provider != "claude" && !s.cfg.agent.command)
    throw bad_input(fmt::format(
        "{}: ai.provider is '{}', and sdlc-actors runs the Claude Code CLI; to run another "
        "agent set agent.command (a command that reads $SDLC_PROMPT_FILE; docs/agents.md), or "
        "set ai.provider to claude",
        s.cfg.file.empty() ? std::string("config") : s.cfg.file.string(), s.cfg.ai_provider));
  std::vector<std::string> batch_nodes;
  if (o.batch_file) {
    // The file gives the run's shape; flags on the command line win over it.
    auto batch = load_batch_file(*o.batch_file, s.cfg);
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
  s.nodes = plan_nodes(o, s.cfg, batch_nodes);
  o.land = o.land || s.cfg.merge.enabled;
  if (o.land && o.no_worktree)
    throw bad_input("--no-worktree: the landing lane (--land, merge.enabled) lands stories' "
                    "branches, so each story needs its worktree; drop one of them");
  auto shape = shape_run({o.concurrent, o.max_concurrent, o.select.epic.has_value(),
                          o.use_worktree || o.land, o.no_worktree, o.keep_worktrees, o.fail_fast,
                          !s.nodes.nodes.empty()},
                         s.cfg);
  s.concurrency = shape.concurrency;
  o.use_worktree = shape.use_worktree;
  o.keep_worktrees = shape.keep_worktrees;
  o.fail_fast = shape.fail_fast;
  if (o.max_iterations) s.cfg.review_max_retries = *o.max_iterations; // as ai-sdlc: this run only
  s.opts = std::move(o);
  return s;
}

std::variant<prepared_run, int> prepare_board(run_setup& s, std::ostream& out) {
  auto& o = s.opts;
  prepared_run p;
  p.the_board = std::make_unique<board>(s.root, s.cfg);
  auto& b = *p.the_board;
  migrate_legacy_workflow_state(b);
  // One orchestrator per board (and a killed run's lock file goes now, even
  // if there is nothing to do).
  if (!o.dry_run) {
    p.lock = acquire_run_lock(b, o.force_unlock);
    // On a board ai-sdlc (or an older sdlc-actors) made, the stories added
    // from now on are placed apart.
    fs::spread_subfolders(b.stories_dir());
    // Before any story starts: a killed run's agents must not edit on.
    for (const auto& note : stop_leftover_agents(b))
      out << note << "\n";
    // From now on, a kill of this run stops its agents at once.
    p.guard = start_run_guard(b, std::cerr);
  }
  if (o.land) open_lane(b, true); // detached HEAD, rebase: refused before anything runs
  auto scan = b.scan();
  auto lift = o.dry_run ? std::vector<std::string>{} : dependency_blocks_to_lift(scan, o.select);
  for (const auto& id : lift) {
    std::string by;
    b.update(id, [&by](story& x) {
      by = x.str("blocked_by");
      unblock(x, false);
    });
    out << fmt::format("unblocking {}: {}, which blocked it, is done or in this run\n", id, by);
  }
  if (!lift.empty()) scan = b.scan(); // the lifted stories changed status
  if (o.one_action)
    if (auto code = choose_step(s, b, scan, out)) return *code;
  p.plan = make_run_plan(b, scan, o.select);
  for (const auto& [id, why] : p.plan.skipped)
    out << fmt::format("skipping {}: {}\n", id, why);
  // A story that cannot be read is named, never silently left out; the run
  // goes on with the others and ends with exit code 2.
  for (const auto& u : p.plan.unreadable)
    std::cerr << fmt::format("error: left out of this run: {}; fix the file (`sdlc-actors "
                             "status` lists every problem)\n",
                             printable(u.message));
  p.unreadable_code = p.plan.unreadable.empty() ? 0 : static_cast<int>(exit_code::bad_input);
  for (const auto& [id, why] : p.plan.warnings)
    std::cerr << "warning: " << printable(why) << "\n";
  if (o.dry_run) {
    out << describe_plan(p.plan, s.concurrency, o.action_seconds);
    return p.unreadable_code;
  }
  if (p.plan.items.empty() && !o.watch) {
    out << "nothing to run: no selected story needs work"
        << (o.select.resume ? " (no interrupted checkpoint)" : "") << "\n";
    return p.unreadable_code ? p.unreadable_code : p.plan.skipped.empty() ? 0 : 1;
  }
  std::vector<std::string> ids;
  for (const auto& it : p.plan.items)
    ids.push_back(it.id);
  p.preflight = preflight_conflicts(b, scan.stories, ids, s.cfg.conflicts, o.yes,
                                    isatty(0) && isatty(1), std::cin, std::cerr);
  if (!p.preflight.go) {
    out << "run: not started\n";
    return static_cast<int>(exit_code::failure);
  }
  if (o.use_worktree) {
    // Leftovers of earlier runs first (stale metadata, dead pids, stale
    // locks, done worktrees beyond the limits), then room for this run.
    // From the scan's values, not a parse of each story (a second at
    // 10,000): the lift above changed statuses, not worktrees.
    std::set<std::string> with_worktree;
    for (const auto& st : scan.stories)
      if (!st.str("worktree_path").empty()) with_worktree.insert(st.id());
    int fresh = 0;
    for (const auto& it : p.plan.items)
      if (!with_worktree.count(it.id)) ++fresh;
    cleanup_options co;
    co.room_for = std::min(fresh, s.concurrency);
    auto report = cleanup_board(b, co, scan.stories);
    for (const auto& a : report.actions)
      out << "cleanup: " << printable(describe(a, false)) << "\n";
    require_worktree_room(b, std::min(fresh, s.concurrency), report.remaining);
  }
  if (o.use_worktree && !o.force) {
    // Once for the run, before anything starts (not once per story).
    git::worktree_service(s.root, s.cfg.worktree_base_path).require_clean(b.sdlc_dir());
    o.force = true; // checked: the story sessions need not check again
  }
  return p;
}

} // namespace sdlc
