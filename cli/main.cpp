// sdlc-actors: parse the command line and call the command. Nothing else here.
#include "cli/commands.hpp"

#include "runtime/console/terminal.hpp"
#include "runtime/util/error.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using namespace sdlc::cli;
  CLI::App app{"sdlc-actors: run software stories through AI coding agents, several at once.\n"
               "Exit codes: 0 ok, 1 failure, 2 bad input or usage."};
  app.set_version_flag("--version", std::string(SDLC_VERSION));
  app.require_subcommand(1);
  global_options g;
  app.add_option("-C,--project", g.project_dir, "Project directory (default: search upward from .)")
      ->check(CLI::ExistingDirectory);

  std::function<int()> run;

  auto* init = app.add_subcommand("init", "Create the board (.ai-sdlc/) and .ai-sdlc.json");
  init->callback([&] { run = [&] { return cmd_init(g); }; });

  add_options ao;
  auto* add = app.add_subcommand("add", "Add a story to the board");
  add->add_option("title", ao.title, "One-line title")->required();
  add->add_option("--type", ao.type, "feature, bug, chore, ... (default feature)");
  add->add_option("--priority", ao.priority, "Lower runs first (default: after the others)");
  add->add_option("--label", ao.labels, "A label (repeatable)");
  add->add_option("--depends-on", ao.depends_on, "Id of a story this one needs (repeatable)");
  add->add_option("--status", ao.status, "backlog (default), ready, in-progress, done, blocked");
  add->add_option("--body-file", ao.body_file, "Markdown body to use")->check(CLI::ExistingFile);
  add->add_flag("--json", ao.json, "Print the new story's id, slug and path as JSON");
  add->callback([&] { run = [&] { return cmd_add(g, ao); }; });

  bool active = false, json = false;
  auto* status = app.add_subcommand("status", "Show the board by column");
  status->add_flag("--active", active, "Hide done stories");
  status->add_flag("--json", json, "Machine-readable output");
  status->callback([&] { run = [&] { return cmd_status(g, active, json); }; });

  std::string id;
  auto* details = app.add_subcommand("details", "Show one story");
  details->add_option("id", id, "Story id (any case) or slug")->required();
  details->add_flag("--json", json, "Machine-readable output");
  details->callback([&] { run = [&] { return cmd_details(g, id, json); }; });

  bool reset = false;
  auto* unblock = app.add_subcommand("unblock", "Return a blocked story to the workflow");
  unblock->add_option("id", id, "Story id or slug")->required();
  unblock->add_flag("--reset-retries", reset, "Also zero its retry counters");
  unblock->callback([&] { run = [&] { return cmd_unblock(g, id, reset); }; });

  std::optional<std::string> key, value;
  auto* config = app.add_subcommand("config", "Show the effective config, one key, or set a key");
  config->add_option("key", key, "Dotted key, e.g. reviewConfig.maxRetries");
  config->add_option("value", value,
                     "New value, written to the project's config file exactly as typed for a "
                     "text setting; numbers, true/false and [a, b] lists where the key takes them");
  bool unset = false;
  config->add_flag("--unset", unset, "Remove KEY from the project's config file (default applies)");
  config->add_flag("--json", json, "Machine-readable output");
  config->callback([&] { run = [&] { return cmd_config(g, key, value, unset, json); }; });

  sdlc::run_options ro;
  bool keep_going = false; // the default; the flag is there to say so
  auto* runc = app.add_subcommand("run", "Run stories through the workflow with AI agents");
  runc->add_option("--story", ro.select.story_ids, "Story id or slug (repeatable)");
  runc->add_flag("--auto", ro.select.all, "Every unfinished story, dependencies first");
  runc->add_flag("--continue", ro.select.resume,
                 "Resume interrupted stories from their checkpoints");
  runc->add_flag("--worktree", ro.use_worktree, "Run each story in its own git worktree");
  runc->add_flag("--force", ro.force,
                 "Allow uncommitted changes in the main checkout; do not ask about conflicts");
  runc->add_flag("--force-unlock", ro.force_unlock,
                 "Take over the board's run lock; refused while its holder is alive (a lock left "
                 "by a dead run is taken over without it)");
  runc->add_flag("--yes,-y", ro.yes, "Start even when stories may conflict (no question asked)");
  runc->add_option("--concurrent,-j", ro.concurrent,
                   "Run up to N stories at once (each in its own worktree)");
  runc->add_flag("--include-backlog", ro.select.include_backlog,
                 "Also take backlog stories (refined first)");
  runc->add_option("--config", ro.batch_file,
                   "A batch file describing the run (docs/batch-files.md)")
      ->check(CLI::ExistingFile);
  runc->add_flag("--keep-worktrees", ro.keep_worktrees,
                 "Keep done stories' worktrees (default: remove; branches stay)");
  auto* fail_fast =
      runc->add_flag("--fail-fast", ro.fail_fast, "Stop starting stories after the first failure");
  runc->add_flag("--keep-going", keep_going,
                 "Independent stories continue after a failure (default)")
      ->excludes(fail_fast);
  runc->add_flag("--dry-run", ro.dry_run,
                 "Print the plan (order, waits, expected makespan) and stop");
  runc->add_option("--action-seconds", ro.action_seconds,
                   "--dry-run: expected seconds per action (default 60)");
  runc->add_option("--node", ro.nodes,
                   "A worker node host:port running `sdlc-actors node` (repeatable; "
                   "docs/remote-nodes.md)");
  runc->add_flag("--no-local", ro.no_local, "Run stories on the nodes only");
  runc->add_option("--token-file", ro.token_file,
                   "The nodes' shared secret (default: remote.tokenFile)");
  runc->add_option("--tls-cert", ro.tls_cert, "TLS to the nodes: this side's certificate (PEM)");
  runc->add_option("--tls-key", ro.tls_key, "TLS: this side's private key (PEM)");
  runc->add_option("--tls-ca", ro.tls_ca, "TLS: the CA that signed the nodes' certificates");
  runc->callback([&] { run = [&] { return cmd_run(g, ro); }; });

  node_cli_options no;
  auto* nodec = app.add_subcommand(
      "node", "Serve as a worker node: run stories' agents for an orchestrator (`run --node`)");
  nodec->add_option("--listen", no.listen,
                    "host:port to listen on (default 127.0.0.1:4242; 0.0.0.0 only on purpose)");
  nodec->add_option("--workdir", no.workdir, "Where repositories and worktrees live")->required();
  nodec->add_option("--slots", no.slots, "Stories at once (default 2)");
  nodec
      ->add_option("--token-file", no.token_file,
                   "The shared secret an orchestrator must prove (required)")
      ->required();
  nodec->add_option("--tls-cert", no.tls_cert, "TLS: this node's certificate (PEM)");
  nodec->add_option("--tls-key", no.tls_key, "TLS: its private key (PEM)");
  nodec->add_option("--tls-ca", no.tls_ca,
                    "TLS: the CA that signed the orchestrators' certificates (others are refused)");
  nodec
      ->add_option("--connection-timeout-ms", no.connection_timeout_ms,
                   "An orchestrator silent this long is gone: its jobs' agents are stopped "
                   "(default 15000; heartbeats go 5 times as often)")
      ->check(CLI::Range(static_cast<long>(sdlc::min_connection_timeout.count()),
                         static_cast<long>(sdlc::max_connection_timeout.count())));
  nodec->footer("Stops on SIGINT/SIGTERM, killing its running agents. See docs/remote-nodes.md.");
  nodec->callback([&] { run = [&] { return cmd_node(no); }; });

  std::vector<std::string> probe;
  std::optional<std::filesystem::path> probe_token;
  auto* nodesc = app.add_subcommand("nodes", "List worker nodes: reachable, slots, load");
  nodesc->add_option("--node", probe, "A node host:port (default: remote.nodes)");
  nodesc->add_option("--token-file", probe_token, "The shared secret (default: remote.tokenFile)");
  node_cli_options probe_tls;
  nodesc->add_option("--tls-cert", probe_tls.tls_cert, "TLS: this side's certificate (PEM)");
  nodesc->add_option("--tls-key", probe_tls.tls_key, "TLS: its private key (PEM)");
  nodesc->add_option("--tls-ca", probe_tls.tls_ca,
                     "TLS: the CA that signed the nodes' certificates");
  nodesc->add_flag("--json", json, "Machine-readable output");
  nodesc->footer("Exit code 1 when a node cannot be reached or refuses the token.");
  nodesc->callback(
      [&] { run = [&] { return cmd_nodes(g, probe, probe_token, probe_tls, json); }; });

  std::string verb = "list";
  bool force = false;
  auto* wt = app.add_subcommand("worktrees", "List story worktrees; add or remove one");
  wt->add_option("verb", verb, "list (default), add, remove")
      ->check(CLI::IsMember({"list", "add", "remove"}));
  wt->add_option("id", id, "Story id or slug (for add / remove)");
  wt->add_flag("--force", force, "remove: even with uncommitted changes");
  wt->add_flag("--json", json, "Machine-readable output");
  wt->callback([&] {
    if (verb != "list" && id.empty())
      throw CLI::ValidationError("id", "worktrees " + verb + " needs a story id");
    run = [&] { return cmd_worktrees(g, verb, id, force, json); };
  });

  std::vector<std::string> conflict_ids;
  auto* conflicts =
      app.add_subcommand("conflicts", "Which stories may conflict (same file, same directory)");
  conflicts->add_option("ids", conflict_ids, "Stories to check (default: every unfinished one)");
  conflicts->add_flag("--json", json, "Machine-readable output");
  conflicts->footer("Exit code 1 when two stories change the same file.");
  conflicts->callback([&] { run = [&] { return cmd_conflicts(g, conflict_ids, json); }; });

  bool dry_run = false;
  auto* cleanup = app.add_subcommand(
      "cleanup", "Remove done stories' worktrees, stale worktree metadata, orphaned folders, "
                 "stale locks and dead pids in state");
  cleanup->add_flag("--dry-run,-n", dry_run, "Say what would be done, change nothing");
  bool cleanup_force = false;
  cleanup->add_flag("--force", cleanup_force,
                    "Also remove sdlc-actors' worktrees that hold uncommitted or untracked work");
  cleanup->add_flag("--json", json, "Machine-readable output");
  cleanup->footer("Removes only what sdlc-actors made for this repository (worktrees carry a "
                  ".sdlc-actors-worktree marker); other folders under worktree.basePath are "
                  "left alone.");
  cleanup->callback([&] { run = [&] { return cmd_cleanup(g, dry_run, cleanup_force, json); }; });

  std::optional<int> lines;
  bool follow = false, tail = false;
  auto* logs = app.add_subcommand("logs", "Show a story's latest log");
  logs->add_option("id", id, "Story id or slug")->required();
  logs->add_option("-n,--lines", lines, "Only the last N lines");
  logs->add_flag("--tail", tail, "The last 20 lines (like -n 20)");
  logs->add_flag("-f,--follow", follow, "Keep printing as the log grows");
  logs->callback([&] {
    if (tail && !lines) lines = 20;
    run = [&] { return cmd_logs(g, id, lines, follow); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(sdlc::exit_code::bad_input);
  }
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
