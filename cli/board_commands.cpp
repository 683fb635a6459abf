#include "cli/commands.hpp"

#include "runtime/config/config.hpp"
#include "runtime/console/json_output.hpp"
#include "runtime/console/board_view.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/story/board.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/story/migrate_layout.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/story/story_from_file.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/yaml_document.hpp"
#include "runtime/util/yaml_json.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/approval.hpp"
#include "runtime/workflow/transitions.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iostream>

namespace sdlc::cli {

namespace {

std::filesystem::path project_root(const global_options& g) {
  return find_project_root(g.project_dir);
}

} // namespace

void say_config_warnings(const config& cfg) {
  auto st = term::style_for(2);
  for (const auto& w : cfg.warnings)
    std::cerr << st.yellow("warning: ") << printable(w) << "\n";
}

config load_project_config(const std::filesystem::path& root) {
  auto cfg = load_config(root, current_environment());
  say_config_warnings(cfg);
  return cfg;
}

board open_board(const global_options& g) {
  auto root = project_root(g);
  return board(root, load_project_config(root));
}

int cmd_init(const global_options& g) {
  auto root = std::filesystem::absolute(g.project_dir);
  auto cfg = load_project_config(root);
  board b(root, cfg, /*must_exist=*/false);
  auto created = b.init();
  if (!find_config_file(root)) {
    fs::atomic_write(root / ".ai-sdlc.json",
                     "{\n  \"sdlcFolder\": \"" + cfg.sdlc_folder + "\"\n}\n");
    created.push_back(root / ".ai-sdlc.json");
  }
  if (created.empty()) fmt::print("board already initialised at {}\n", b.sdlc_dir().string());
  for (const auto& p : created)
    fmt::print("created {}\n", b.rel(p));
  return 0;
}

// ai-sdlc's `add -f`: the same file types; the title from the file.
static story_source read_story_file(const std::filesystem::path& file) {
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  if (ext != ".md" && ext != ".markdown" && ext != ".txt")
    throw bad_input(fmt::format("add --file {}: only .md, .markdown and .txt files make stories",
                                file.string()));
  return story_from_text(fs::read_file(file, max_story_bytes), file.stem().string());
}

int cmd_add(const global_options& g, const add_options& o) {
  if (o.title.empty() == !o.from_file)
    throw bad_input(o.from_file ? "add: give a title or --file, not both"
                                : "add: give a title (add \"A story\") or --file story.md");
  auto b = open_board(g);
  new_story spec;
  spec.title = o.title;
  if (o.from_file) {
    auto src = read_story_file(*o.from_file);
    spec.title = src.title;
    spec.body = src.body;
  }
  spec.type = o.type;
  spec.priority = o.priority;
  spec.labels = o.labels;
  spec.depends_on = o.depends_on;
  auto st = parse_status(o.status);
  if (!st)
    throw bad_input(
        fmt::format("--status {}: use backlog, ready, in-progress, done or blocked", o.status));
  spec.status = *st;
  if (o.body_file) spec.body = fs::read_file(*o.body_file, max_story_bytes);
  auto s = b.add(spec);
  if (o.json)
    fmt::print("{}", json_output(nlohmann::ordered_json{{"id", s.id()},
                                                        {"slug", s.slug()},
                                                        {"path", b.rel(s.file())}},
                                 work_done("add", "status"), -1));
  else
    fmt::print("added {} {} ({})\n", s.id(), s.title(), b.rel(s.file()));
  return 0;
}

int cmd_status(const global_options& g, bool active_only, bool json, bool dot) {
  auto b = open_board(g);
  migrate_legacy_workflow_state(b);
  auto scan = b.scan();
  status_view_options o{active_only};
  if (dot) {
    fmt::print("{}", status_dot(b, scan, o));
  } else if (json) {
    write_status_json(std::cout, b, scan, o);
    // fmt::print reports a write that failed (a full disk); a stream only
    // remembers it, so a script would have read a cut document with exit 0.
    if (!std::cout.flush())
      throw failure(
          fmt::format("cannot write the status to standard output: {}", std::strerror(errno)));
  } else {
    fmt::print("{}", status_text(b, scan, o, term::style_for(1), term::columns(1)));
  }
  bool unreadable = false;
  auto err = term::style_for(2);
  for (const auto& p : scan.problems) {
    unreadable |= !p.duplicate;
    std::cerr << (p.duplicate ? err.yellow("warning: ") : err.red("error: "))
              << printable(p.message) << "\n";
  }
  return unreadable ? static_cast<int>(exit_code::bad_input) : 0;
}

int cmd_details(const global_options& g, const std::string& id, bool json) {
  auto b = open_board(g);
  auto s = b.find(id);
  if (json)
    fmt::print("{}", json_output(details_json(b, s), without_json("details " + id)));
  else
    fmt::print("{}", details_text(b, s, term::style_for(1)));
  return 0;
}

int cmd_unblock(const global_options& g, const std::string& id, bool reset_retries) {
  auto b = open_board(g);
  auto s = unblock_story(b, id, reset_retries);
  fmt::print("{} is {} again{}\n", s.id(), s.str("status"),
             reset_retries ? " (retry counters reset)" : "");
  return 0;
}

int cmd_approve(const global_options& g, const std::string& id) {
  auto b = open_board(g);
  bool changed = false;
  const auto limits = limits_of(b.cfg());
  std::string what;
  auto s = b.update(id, [&](story& st) {
    auto gate = next_action(facts_of(st), limits).gate;
    what = gate == approval_gate::rework         ? "the rework of"
           : gate == approval_gate::completion   ? "as done:"
           : gate == approval_gate::pull_request ? "the pull request of"
                                                 : "the plan of";
    changed = approve(st, limits);
  });
  if (changed)
    fmt::print("Approved {} {}: \"{}\" — a run holding it goes on within a second\n", what, s.id(),
               printable(s.title()));
  else
    fmt::print("{} was approved already\n", s.id());
  return 0;
}

int cmd_feedback(const global_options& g, const std::string& id, const std::string& text) {
  auto b = open_board(g);
  const auto limits = limits_of(b.cfg());
  auto s = b.update(id, [&](story& st) { give_feedback(st, text, time::now_iso8601(), limits); });
  auto next = next_action(facts_of(s), limits).action;
  fmt::print("Feedback recorded for {}: \"{}\"{}\n", s.id(), printable(s.title()),
             runs_an_agent(next)
                 ? fmt::format(" — its {} goes on with your text in the prompt", to_string(next))
                 : "");
  return 0;
}

int cmd_migrate(const global_options& g, bool dry_run, bool no_backup, bool force) {
  auto b = open_board(g);
  auto plan = plan_layout_migration(b);
  if (plan.already_migrated) {
    fmt::print("already migrated; delete {} to run it again\n", b.rel(b.sdlc_dir() / ".migrated"));
    return 0;
  }
  for (const auto& w : plan.warnings)
    std::cerr << "warning: " << printable(w) << "\n";
  if (!plan.errors.empty()) {
    for (const auto& e : plan.errors)
      std::cerr << "error: " << printable(e) << "\n";
    throw bad_input(fmt::format("migrate: {} problem{} above; nothing was moved",
                                plan.errors.size(), plan.errors.size() == 1 ? "" : "s"));
  }
  if (plan.moves.empty()) {
    fmt::print("nothing to migrate: every story is in {}/<ID>/story.md\n", b.rel(b.stories_dir()));
    return 0;
  }
  for (const auto& m : plan.moves)
    fmt::print("{} {} -> {} (status {})\n", dry_run ? "would move" : "move", b.rel(m.from),
               b.rel(m.to), m.status);
  if (dry_run) return 0;
  if (!force) git::worktree_service(b.project_root(), b.cfg().worktree_base_path).require_clean({});
  auto lock = acquire_run_lock(b, false); // not while a run reads the board
  auto backup = migrate_layout(b, plan, !no_backup);
  fmt::print("migrated {} stor{}{}\n", plan.moves.size(), plan.moves.size() == 1 ? "y" : "ies",
             backup.empty() ? "" : "; the board as it was: " + b.rel(backup));
  return 0;
}

int cmd_config(const global_options& g, const std::optional<std::string>& key,
               const std::optional<std::string>& value, bool unset, bool check, bool json) {
  auto root = project_root(g);
  if (check) {
    auto cfg = load_project_config(root); // errors throw (exit 2); warnings said on stderr
    if (!cfg.not_acted_on.empty())
      fmt::print("ai-sdlc settings sdlc-actors does not use: {}\n",
                 fmt::join(cfg.not_acted_on, ", "));
    fmt::print("{}: loads ({} warning{})\n",
               cfg.file.empty() ? std::string("no config file, defaults") : cfg.file.string(),
               cfg.warnings.size(), cfg.warnings.size() == 1 ? "" : "s");
    return 0;
  }
  if (unset) {
    if (!key || value) throw bad_input("config --unset KEY: one key, no value");
    auto file = set_config_value(root, *key, std::nullopt);
    fmt::print("unset {} in {} (the default applies)\n", *key, fs::display_path(file, root));
    return 0;
  }
  if (key && value) {
    auto file = set_config_value(root, *key, *value);
    fmt::print("set {} = {} in {}\n", *key, printable(*value), fs::display_path(file, root));
    return 0;
  }
  auto cfg = load_project_config(root);
  YAML::Node node = cfg.tree;
  if (key) {
    node.reset(lookup(cfg.tree, *key));
    if (!node.IsDefined())
      throw bad_input(
          fmt::format("unknown config key '{}'; `sdlc-actors config` lists them all", *key));
  }
  if (json)
    fmt::print("{}",
               json_output(yaml::to_json(node), without_json(key ? "config " + *key : "config")));
  else if (node.IsMap())
    for (auto it = node.begin(); it != node.end(); ++it)
      fmt::print("{}", yaml::emit_entry(it->first.Scalar(), it->second));
  else
    fmt::print("{}\n", yaml::emit_value(node));
  return 0;
}

} // namespace sdlc::cli
