// sdlc-actors: parse the command line and call the command. Nothing else here.
#include "cli/commands.hpp"

#include "runtime/console/terminal.hpp"
#include "runtime/process/guard_process.hpp"
#include "runtime/schedule/recommended_action.hpp"
#include "runtime/util/error.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <list>

namespace {

using namespace sdlc::cli;

// Every value the command line can give, and the command it chose; lives as
// long as the parse (the callbacks capture it).
struct cli_values {
  global_options g;
  std::function<int()> run;
  add_options ao;
  bool active = false, json = false, dot = false;
  std::string html; // report --html FILE
  std::string id;
  std::string text;                   // feedback
  bool test = false;                  // notify --test
  std::string event = "run_finished"; // notify --event
  bool reset = false;
  std::optional<std::string> key, value;
  bool unset = false;
  bool check = false;
  sdlc::run_options ro;
  node_cli_options no;
  std::vector<std::string> probe;
  std::optional<std::filesystem::path> probe_token;
  node_cli_options probe_tls;
  std::string verb = "list";
  bool force = false;
  std::vector<std::string> conflict_ids;
  bool dry_run = false;
  bool cleanup_force = false;
  logs_options lo;
  std::string batch, log_level;    // run --batch a,b,c; --log-level (accepted, see its help)
  std::optional<std::string> step; // run --step <phase>
  struct refused_flag {
    bool given;
    std::string message;
  };
  std::list<refused_flag> refused; // ai-sdlc run flags that exit 2 (stable references)
  bool keep_going = false;         // the default; the flag is there to say so
  bool verbose = false;            // ai-sdlc's -v: accepted (our output is detailed already)
  bool no_backup = false;          // migrate --no-backup
  std::string guard_folder;        // run-guard <sdlc dir> <pid>, node-guard <workdir> <pid>
  long guard_of_pid = 0;
};

// The board: init, add, status, details, unblock, approve, feedback, config.
void board_commands(CLI::App& app, cli_values& v) {

  auto* init = app.add_subcommand("init", "Create the board (.ai-sdlc/) and .ai-sdlc.json");
  init->add_flag("--quick", "ai-sdlc's: skip project detection. sdlc-actors detects nothing, "
                            "so init is always quick; accepted for ai-sdlc users' scripts");
  init->callback([&] { v.run = [&] { return cmd_init(v.g); }; });

  auto* add = app.add_subcommand("add", "Add a story to the board");
  add->add_option("title", v.ao.title, "One-line title (or --file)");
  add->add_option("--type", v.ao.type, "feature, bug, chore, ... (default feature)");
  add->add_option("--priority", v.ao.priority, "Lower runs first (default: after the others)");
  add->add_option("--label", v.ao.labels, "A label (repeatable)");
  add->add_option("--depends-on", v.ao.depends_on, "Id of a story this one needs (repeatable)");
  add->add_option("--status", v.ao.status, "backlog (default), ready, in-progress, done, blocked");
  auto* body_file = add->add_option("--body-file", v.ao.body_file, "Markdown body to use")
                        ->check(CLI::ExistingFile);
  add->add_option("-f,--file", v.ao.from_file,
                  "ai-sdlc's: a story from a .md/.markdown/.txt file — title from its frontmatter "
                  "title, else its first '# ' heading, else the file name; the rest is the body "
                  "(its own frontmatter left out)")
      ->check(CLI::ExistingFile)
      ->excludes(body_file);
  add->add_flag("--json", v.ao.json, "Print the new story's id, slug and path as JSON");
  add->callback([&] { v.run = [&] { return cmd_add(v.g, v.ao); }; });

  auto* status = app.add_subcommand("status", "Show the board by column");
  status->add_flag("--active", v.active, "Hide done stories");
  status->add_flag("--json", v.json, "Machine-readable output");
  status
      ->add_flag("--dot", v.dot,
                 "The dependency graph in Graphviz DOT, status as colour "
                 "(sdlc-actors status --dot | dot -Tsvg > board.svg)")
      ->excludes("--json");
  status->callback([&] { v.run = [&] { return cmd_status(v.g, v.active, v.json, v.dot); }; });

  auto* details = app.add_subcommand("details", "Show one story");
  details->add_option("id", v.id, "Story id (any case) or slug")->required();
  details->add_flag("--json", v.json, "Machine-readable output");
  details->callback([&] { v.run = [&] { return cmd_details(v.g, v.id, v.json); }; });

  auto* unblock = app.add_subcommand("unblock", "Return a blocked story to the workflow");
  unblock->add_option("id", v.id, "Story id or slug")->required();
  unblock->add_flag("--reset-retries", v.reset, "Also zero its retry counters");
  unblock->callback([&] { v.run = [&] { return cmd_unblock(v.g, v.id, v.reset); }; });

  auto* approve = app.add_subcommand(
      "approve", "Approve a story's plan (stageGates.requireApprovalBeforeImplementation): a "
                 "live run holding it goes on. Same field as ai-sdlc's approve");
  approve->add_option("id", v.id, "Story id or slug")->required();
  approve->callback([&] { v.run = [&] { return cmd_approve(v.g, v.id); }; });

  auto* feedback = app.add_subcommand(
      "feedback", "Add '## Human Feedback' to a story, as ai-sdlc does; unlike ai-sdlc, a story "
                  "whose plan is not implemented yet plans again with the text in its prompt");
  feedback->add_option("id", v.id, "Story id or slug")->required();
  feedback->add_option("text", v.text, "What the plan should change")->required();
  feedback->callback([&] { v.run = [&] { return cmd_feedback(v.g, v.id, v.text); }; });

  auto* migrate = app.add_subcommand(
      "migrate", "ai-sdlc's: move stories from the old kanban folders (backlog/ ready/ "
                 "in-progress/ done/ blocked/) to stories/<ID>/story.md, their folder as status");
  migrate->add_flag("--dry-run", v.dry_run, "Say what would move; move nothing");
  migrate->add_flag("--no-backup", v.no_backup,
                    "Do not copy the board to .ai-sdlc-backup-<ms> first");
  migrate->add_flag("--force", v.force, "Even with uncommitted changes in the checkout");
  migrate->callback(
      [&] { v.run = [&] { return cmd_migrate(v.g, v.dry_run, v.no_backup, v.force); }; });

  auto* config = app.add_subcommand("config", "Show the effective config, one key, or set a key");
  config->add_option("key", v.key, "Dotted key, e.g. reviewConfig.maxRetries");
  config->add_option("value", v.value,
                     "New value, written to the project's config file exactly as typed for a "
                     "text setting; numbers, true/false and [a, b] lists where the key takes them");
  config->add_flag("--unset", v.unset,
                   "Remove KEY from the project's config file (default applies)");
  config->add_flag("--check", v.check,
                   "Load the config and say what is wrong (exit 2), what is unknown (warnings) "
                   "and which ai-sdlc settings sdlc-actors does not use");
  config->add_flag("--json", v.json, "Machine-readable output");
  config->callback(
      [&] { v.run = [&] { return cmd_config(v.g, v.key, v.value, v.unset, v.check, v.json); }; });
}

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    auto end = std::min(list.find(',', start), list.size());
    auto item = list.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

// ai-sdlc's `run` flags: each works as there, or exits 2 saying the
// sdlc-actors way (never accepted and silently different).
void ai_sdlc_run_flags(CLI::App* runc, cli_values& v) {
  auto* story = runc->get_option("--story");
  auto* batch = runc->add_option(
      "--batch", v.batch,
      "ai-sdlc's: stories a,b,c, one at a time (as --story a --story b --story c)");
  batch->excludes(story);
  auto* epic = runc->add_option("--epic", v.ro.select.epic,
                                "ai-sdlc's: the unfinished stories labelled epic-ID (or with "
                                "epic: ID), epic.maxConcurrent at once");
  epic->excludes(story)->excludes(batch);
  runc->add_option("--max-concurrent", v.ro.max_concurrent,
                   "With --epic: stories at once (default epic.maxConcurrent)");
  auto* no_wt = runc->add_flag("--no-worktree", v.ro.no_worktree,
                               "Work in the main checkout even when worktree.enabled is set (one "
                               "story at a time only)");
  no_wt->excludes(runc->get_option("--worktree"));
  runc->add_option("--max-iterations", v.ro.max_iterations,
                   "ai-sdlc's: review rejections a story may have in this run (overrides "
                   "reviewConfig.maxRetries)")
      ->check(CLI::NonNegativeNumber);
  runc->add_option("--log-level", v.log_level,
                   "ai-sdlc's; accepted for its scripts: story logs here always hold every "
                   "decision and agent event")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  auto refuse = [&](const std::string& name, bool takes_value, const std::string& message) {
    auto shown = name;
    std::replace(shown.begin(), shown.end(), ',', '/');
    v.refused.push_back({false, shown + ": " + message});
    auto& r = v.refused.back();
    if (takes_value)
      runc->add_option_function<std::string>(
          name, [&r](const std::string&) { r.given = true; }, "ai-sdlc's; " + message);
    else
      runc->add_flag_callback(
          name, [&r] { r.given = true; }, "ai-sdlc's; " + message);
  };
  runc->add_option("--step", v.step,
                   "ai-sdlc's: one action of this phase (refine, research, plan, implement, "
                   "review): the recommended story's, or --story's; with --auto every story "
                   "whose next action it is");
  refuse("--clean", false,
         "to start a story over, `worktrees remove <id> --force`, then `run --story <id>`");
  refuse("--request", true,
         "sdlc-actors makes stories without an AI: `add \"<title>\" --body-file F`, then "
         "`run --story <id>`");
  refuse("--grill-me", false,
         "sdlc-actors makes stories without an AI: `add \"<title>\" --body-file F`, then "
         "`run --story <id>`");
}

// A guard a run or node starts for itself (runtime/process/guard_process),
// never a person: in no group, so no help lists it.
void guard_command(CLI::App& app, cli_values& v, const char* name, std::function<int()> call) {
  auto* guard = app.add_subcommand(
      name, "Internal: started by `run`, `land` or `node` for itself; once that process is gone "
            "(killed), stops what it started. Not for people to run");
  guard->group("");
  guard->add_option("folder", v.guard_folder)->required();
  guard->add_option("pid", v.guard_of_pid)->required();
  guard->callback([&v, call = std::move(call)] { v.run = call; });
}

// run: every flag fills run_options directly.
void run_command(CLI::App& app, cli_values& v) {
  auto* runc = app.add_subcommand(
      "run", "Run stories through the workflow with AI agents. As in ai-sdlc, a bare `run` does "
             "the board's one recommended action and `run --story <id>` that story's next "
             "action; `--auto`, `--concurrent N`, `--batch`, `--epic`, `--continue` and the "
             "others run whole workflows");
  runc->add_option("--story", v.ro.select.story_ids,
                   "Story id or slug: its next action (with --auto, or repeated, its whole "
                   "workflow)");
  runc->add_flag("--auto", v.ro.select.all,
                 "Whole workflows: every unfinished story, dependencies first (with --story: "
                 "that story's)");
  runc->add_flag("--continue", v.ro.select.resume,
                 "Resume interrupted stories from their checkpoints");
  runc->add_flag("--worktree", v.ro.use_worktree, "Run each story in its own git worktree");
  runc->add_flag("--force", v.ro.force,
                 "Allow uncommitted changes in the main checkout; do not ask about conflicts");
  runc->add_flag("--force-unlock", v.ro.force_unlock,
                 "Take over the board's run lock; refused while its holder is alive (a lock left "
                 "by a dead run is taken over without it)");
  runc->add_flag("--yes,-y", v.ro.yes, "Start even when stories may conflict (no question asked)");
  runc->add_option("--concurrent,-j", v.ro.concurrent,
                   "Run up to N stories at once (each in its own worktree)");
  runc->add_flag("--include-backlog", v.ro.select.include_backlog,
                 "Also take backlog stories (refined first)");
  runc->add_option("--config", v.ro.batch_file,
                   "A batch file describing the run (docs/batch-files.md)")
      ->check(CLI::ExistingFile);
  runc->add_flag("--land", v.ro.land,
                 "Land done stories as they finish (as merge.enabled): onto the checked-out "
                 "branch, tested together, bisected when red; a story that conflicts or fails "
                 "reworks in this run (see `land --help`)");
  runc->add_flag("--keep-worktrees", v.ro.keep_worktrees,
                 "Keep done stories' worktrees (default: remove; branches stay)");
  auto* fail_fast = runc->add_flag("--fail-fast", v.ro.fail_fast,
                                   "Stop starting stories after the first failure");
  runc->add_flag("--keep-going", v.keep_going,
                 "Independent stories continue after a failure (default)")
      ->excludes(fail_fast);
  runc->add_flag("--dry-run", v.ro.dry_run,
                 "Print the plan (order, waits, expected makespan) and stop");
  runc->add_option("--action-seconds", v.ro.action_seconds,
                   "--dry-run: expected seconds per action (default 60)");
  runc->add_option("--node", v.ro.nodes,
                   "A worker node host:port running `sdlc-actors node` (repeatable; "
                   "docs/remote-nodes.md)");
  runc->add_flag("--no-local", v.ro.no_local, "Run stories on the nodes only");
  runc->add_option("--token-file", v.ro.token_file,
                   "The nodes' shared secret (default: remote.tokenFile)");
  runc->add_option("--tls-cert", v.ro.tls.certificate,
                   "TLS to the nodes: this side's certificate (PEM)");
  runc->add_option("--tls-key", v.ro.tls.key, "TLS: this side's private key (PEM)");
  runc->add_option("--tls-ca", v.ro.tls.ca, "TLS: the CA that signed the nodes' certificates");
  ai_sdlc_run_flags(runc, v);
  auto* watch = runc->add_flag(
      "--watch", v.ro.watch,
      "ai-sdlc's daemon: stay up and take stories added, set ready, unblocked or approved "
      "while it runs (a look every daemon.pollingInterval ms), within --concurrent N; Ctrl-C "
      "stops. Takes every unfinished story (as --auto), or the --epic or --config ones");
  watch->excludes(runc->get_option("--story"))
      ->excludes(runc->get_option("--batch"))
      ->excludes(runc->get_option("--continue"))
      ->excludes(runc->get_option("--dry-run"));
  runc->add_flag("-v,--verbose", v.verbose,
                 "ai-sdlc's, for --watch: accepted; the plain output already shows every "
                 "story's events, and `logs <id> -t` follows one story");
  runc->callback([&] {
    v.run = [&] {
      for (const auto& refused : v.refused)
        if (refused.given) throw sdlc::bad_input(refused.message);
      for (const auto& id : split_commas(v.batch))
        v.ro.select.story_ids.push_back(id);
      const auto& o = v.ro;
      auto mode = sdlc::run_mode_of(
          {o.select.story_ids.size(), o.select.all,
           o.concurrent || o.select.resume || o.select.epic || !v.batch.empty() || o.batch_file ||
               o.select.include_backlog || o.watch || !o.nodes.empty() || o.no_local,
           v.step});
      v.ro.one_action = mode.one_action;
      v.ro.step = mode.step;
      return cmd_run(v.g, v.ro);
    };
  });
  guard_command(app, v, sdlc::run_guard_command,
                [&v] { return cmd_run_guard(v.guard_folder, v.guard_of_pid); });
}

// Worker nodes: node, nodes.
void node_commands(CLI::App& app, cli_values& v) {
  auto* nodec = app.add_subcommand(
      "node", "Serve as a worker node: run stories' agents for an orchestrator (`run --node`)");
  nodec->add_option("--listen", v.no.listen,
                    "host:port to listen on (default 127.0.0.1:4242; 0.0.0.0 only on purpose)");
  nodec->add_option("--workdir", v.no.workdir, "Where repositories and worktrees live")->required();
  nodec->add_option("--slots", v.no.slots, "Stories at once (default 2)");
  nodec
      ->add_option("--token-file", v.no.token_file,
                   "The shared secret an orchestrator must prove (required)")
      ->required();
  nodec->add_option("--tls-cert", v.no.tls_cert, "TLS: this node's certificate (PEM)");
  nodec->add_option("--tls-key", v.no.tls_key, "TLS: its private key (PEM)");
  nodec->add_option("--tls-ca", v.no.tls_ca,
                    "TLS: the CA that signed the orchestrators' certificates (others are refused)");
  nodec
      ->add_option("--connection-timeout-ms", v.no.connection_timeout_ms,
                   "An orchestrator silent this long is gone: its jobs' agents are stopped "
                   "(default 15000; heartbeats go 5 times as often)")
      ->check(CLI::Range(static_cast<long>(sdlc::min_connection_timeout.count()),
                         static_cast<long>(sdlc::max_connection_timeout.count())));
  nodec->footer("Stops on SIGINT/SIGTERM, killing its running agents. One node per workdir. See "
                "docs/remote-nodes.md.");
  nodec->callback([&] { v.run = [&] { return cmd_node(v.no); }; });
  guard_command(app, v, sdlc::node_guard_command,
                [&v] { return cmd_node_guard(v.guard_folder, v.guard_of_pid); });

  auto* nodesc = app.add_subcommand("nodes", "List worker nodes: reachable, slots, load");
  nodesc->add_option("--node", v.probe, "A node host:port (default: remote.nodes)");
  nodesc->add_option("--token-file", v.probe_token,
                     "The shared secret (default: remote.tokenFile)");
  nodesc->add_option("--tls-cert", v.probe_tls.tls_cert, "TLS: this side's certificate (PEM)");
  nodesc->add_option("--tls-key", v.probe_tls.tls_key, "TLS: its private key (PEM)");
  nodesc->add_option("--tls-ca", v.probe_tls.tls_ca,
                     "TLS: the CA that signed the nodes' certificates");
  nodesc->add_flag("--json", v.json, "Machine-readable output");
  nodesc->footer("Exit code 1 when a node cannot be reached or refuses the token.");
  nodesc->callback(
      [&] { v.run = [&] { return cmd_nodes(v.g, v.probe, v.probe_token, v.probe_tls, v.json); }; });
}

// Worktrees, conflicts, cleanup, logs.
void tree_commands(CLI::App& app, cli_values& v) {
  auto* wt = app.add_subcommand("worktrees", "List story worktrees; add or remove one (ai-sdlc's "
                                             "worktrees:add / worktrees:remove also work)");
  wt->add_option("verb", v.verb, "list (default), add, remove")
      ->check(CLI::IsMember({"list", "add", "remove"}));
  wt->add_option("id", v.id, "Story id or slug (for add / remove)");
  wt->add_flag("--force", v.force, "remove: even with uncommitted changes");
  wt->add_flag("--json", v.json, "Machine-readable output");
  wt->callback([&] {
    if (v.verb != "list" && v.id.empty())
      throw CLI::ValidationError("id", "worktrees " + v.verb + " needs a story id");
    v.run = [&] { return cmd_worktrees(v.g, v.verb, v.id, v.force, v.json); };
  });

  auto* conflicts =
      app.add_subcommand("conflicts", "Which stories may conflict (same file, same directory)");
  conflicts->add_option("ids", v.conflict_ids, "Stories to check (default: every unfinished one)");
  conflicts->add_flag("--json", v.json, "Machine-readable output");
  conflicts->footer("Exit code 1 when two stories change the same file.");
  conflicts->callback([&] { v.run = [&] { return cmd_conflicts(v.g, v.conflict_ids, v.json); }; });

  auto* cleanup = app.add_subcommand(
      "cleanup", "Remove done stories' worktrees, stale worktree metadata, orphaned folders, "
                 "stale locks and dead pids in state; stop what a killed run left running "
                 "(never while a run is live)");
  cleanup->add_flag("--dry-run,-n", v.dry_run, "Say what would be done, change nothing");
  cleanup->add_flag("--force", v.cleanup_force,
                    "Also remove sdlc-actors' worktrees that hold uncommitted or untracked work");
  cleanup->add_flag("--json", v.json, "Machine-readable output");
  cleanup->footer("Removes only what sdlc-actors made for this repository (worktrees carry a "
                  ".sdlc-actors-worktree marker); other folders under worktree.basePath are "
                  "left alone.");
  cleanup->callback(
      [&] { v.run = [&] { return cmd_cleanup(v.g, v.dry_run, v.cleanup_force, v.json); }; });

  auto* land = app.add_subcommand(
      "land", "Land done stories on the checked-out branch: merged onto its tip (merge.strategy: "
              "squash, one commit per story, or merge), built and tested together "
              "(buildCommand, testCommand) in a scratch folder, the branch moved to exactly the "
              "tested commit; a red batch is bisected, and a story that conflicts or fails goes "
              "back to rework with the reason");
  land->add_option("ids", v.conflict_ids,
                   "Stories to land (default: every done story with a "
                   "branch that has not landed)");
  land->add_flag("--dry-run,-n", v.dry_run,
                 "The order, the batches and the conflicts; nothing tested, nothing moved");
  land->add_flag("--json", v.json, "Machine-readable output");
  land->footer("Exit code 0 when every story landed (or none waited), 1 when one conflicts, "
               "fails the checks or waits. merge.batchSize stories are tested together "
               "(default 8). The main checkout follows the branch only where you have no "
               "uncommitted change; otherwise landing waits and says which files. A check a "
               "killed land or run left running (SDLC_BOARD in its environment) is stopped "
               "first.");
  land->callback([&] { v.run = [&] { return cmd_land(v.g, v.conflict_ids, v.dry_run, v.json); }; });

  auto* logs = app.add_subcommand("logs", "Show a story's latest log (ai-sdlc's flags)");
  logs->add_option("id", v.lo.id, "Story id or slug")->required();
  logs->add_option("-n,--lines", v.lo.lines, "The last N lines (default 50)")
      ->check(CLI::NonNegativeNumber);
  logs->add_flag("--all", v.lo.all, "The whole file");
  logs->add_flag("-t,--tail,--follow", v.lo.follow, "Keep printing as the log grows (tail -f)");
  logs->add_option("-f,--file", v.lo.timestamp,
                   "The log of one run, by its timestamp (e.g. 2026-01-15T10-30-00)");
  logs->footer("As ai-sdlc: -t follows, -n counts lines, -f picks a file. Logs are "
               ".ai-sdlc/stories/<ID>/logs/<timestamp>.log, one per run.");
  logs->callback([&] { v.run = [&] { return cmd_logs(v.g, v.lo); }; });

  auto* runs = app.add_subcommand("runs", "List past runs: start, duration, stories, result, cost");
  runs->add_flag("--json", v.json, "Machine-readable output");
  runs->footer("Each run's journal is .ai-sdlc/runs/<run-id>/events.jsonl (docs/report.md); the "
               "newest report.keepRuns (default 50) are kept.");
  runs->callback([&] { v.run = [&] { return cmd_runs(v.g, v.json); }; });

  auto* report = app.add_subcommand(
      "report", "What a run did: makespan against its lower bound, the critical path, each "
                "story's running and waiting time by cause, reworks, cost, 429s");
  report->add_option("run", v.id, "A run id from `runs` (default: the last run)");
  report->add_flag("--json", v.json, "Machine-readable output (every action's span too)");
  report
      ->add_option("--html", v.html,
                   "Write one self-contained HTML page: timeline, cost, API and dependency "
                   "graph")
      ->excludes("--json");
  report->footer("Read from the run's journal, .ai-sdlc/runs/<run-id>/events.jsonl "
                 "(docs/report.md).");
  report->callback([&] { v.run = [&] { return cmd_report(v.g, v.id, v.json, v.html); }; });

  auto* notify = app.add_subcommand(
      "notify", "Send a test notification through the configured channels (notification.*) "
                "and say which of them delivered it");
  notify->add_flag("--test", v.test, "Send the test notification (what notify does)")->required();
  notify->add_option("--event", v.event, "Its kind, as notification.events names them")
      ->capture_default_str();
  notify->add_option("--story", v.id, "A story it names (id or slug), with its title");
  notify->add_flag("--json", v.json, "Machine-readable output");
  notify->footer("Each channel is used as a run uses it: console, file, command, webhook "
                 "(docs/notifications.md). Exit 1 when a channel did not deliver it.");
  notify->callback([&] { v.run = [&] { return cmd_notify(v.g, v.event, v.id, v.json); }; });
}

// Runs the chosen command; every error is a message and an exit code.
int call(const std::function<int()>& run) {
  try {
    return run ? run() : 0;
  } catch (const sdlc::error& e) {
    auto st = sdlc::term::style_for(2);
    std::cerr << st.red("error: ") << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    auto st = sdlc::term::style_for(2);
    std::cerr << st.red("error: ") << e.what() << "\n";
    return static_cast<int>(sdlc::exit_code::failure);
  }
}

} // namespace

namespace {
// ai-sdlc's `worktrees:add <id>` and `worktrees:remove <id>` are our
// `worktrees add|remove <id>` (CLI11 refuses ':' in a subcommand's name).
std::vector<std::string> ai_sdlc_command_names(int argc, char** argv) {
  std::vector<std::string> args;
  bool command_seen = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (!command_seen && (a == "worktrees:add" || a == "worktrees:remove")) {
      args.push_back("worktrees");
      args.push_back(a.substr(a.find(':') + 1));
    } else {
      args.push_back(a);
    }
    const std::string before = i > 1 ? argv[i - 1] : "";
    if (!a.empty() && a[0] != '-' && before != "-C" && before != "--project") command_seen = true;
  }
  std::reverse(args.begin(), args.end()); // CLI11 takes the arguments last first
  return args;
}
} // namespace

int main(int argc, char** argv) {
  using namespace sdlc::cli;
  CLI::App app{"sdlc-actors: run software stories through AI coding agents, several at once.\n"
               "Exit codes: 0 ok, 1 failure, 2 bad input or usage."};
  app.set_version_flag("--version", std::string(SDLC_VERSION));
  app.require_subcommand(1);
  cli_values v;
  app.add_option("-C,--project", v.g.project_dir,
                 "Project directory (default: search upward from .)")
      ->check(CLI::ExistingDirectory);
  board_commands(app, v);
  run_command(app, v);
  node_commands(app, v);
  tree_commands(app, v);
  try {
    app.parse(ai_sdlc_command_names(argc, argv));
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(sdlc::exit_code::bad_input);
  }
  return call(v.run);
}
