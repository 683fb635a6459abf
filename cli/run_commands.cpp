#include "cli/commands.hpp"

#include "actors/run_coordinator.hpp"
#include "runtime/config/config.hpp"
#include "runtime/console/json_output.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/notify/test_notification.hpp"
#include "runtime/report/run_history.hpp"
#include "runtime/report/run_journal.hpp"
#include "runtime/report/report_html.hpp"
#include "runtime/report/run_report.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/story_logs.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/workflow/cleanup.hpp"
#include "runtime/workflow/run_guard.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <iostream>
#include <thread>

namespace sdlc::cli {

int cmd_run(const global_options& g, run_options o) {
  o.project = g.project_dir;
  o.yes = o.yes || o.force;
  if (o.watch && !o.select.epic && o.select.labels.empty() && !o.batch_file) o.select.all = true;
  return run_stories(std::move(o), std::cout);
}

int cmd_worktrees(const global_options& g, const std::string& verb, const std::string& id,
                  bool force, bool json) {
  auto b = open_board(g);
  git::worktree_service wts(b.project_root(), b.cfg().worktree_base_path);
  if (verb == "add") {
    auto s = b.find(id);
    auto wt = wts.ensure(s.id(), s.slug());
    b.update(s.id(), [&](story& st) {
      st.set_string("branch", wt.branch);
      st.set_string("worktree_path", b.rel(wt.path));
    });
    fmt::print("{} worktree {} on branch {}\n", wt.created ? "created" : "exists:", b.rel(wt.path),
               wt.branch);
    return 0;
  }
  if (verb == "remove") {
    auto s = b.find(id);
    wts.remove(s.id(), s.slug(), force);
    b.update(s.id(), [&](story& st) {
      if (st.has("worktree_path")) st.erase("worktree_path");
    });
    fmt::print("removed the worktree of {} (branch {} kept)\n", s.id(),
               git::worktree_service::branch_for(s.id(), s.slug()));
    return 0;
  }
  auto list = wts.list();
  std::map<std::string, worktree_usage> usage;
  for (auto& u : worktree_usages(b))
    usage[u.name] = u;
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& w : list) {
      const auto& u = usage[w.name];
      arr.push_back({{"name", w.name},
                     {"path", w.path.string()},
                     {"branch", w.branch},
                     {"valid", w.valid},
                     {"story", u.story_id},
                     {"story_done", u.done},
                     {"size_bytes", u.bytes},
                     {"age_days", u.age_days}});
    }
    fmt::print("{}", json_output(arr, without_json("worktrees")));
    return 0;
  }
  if (list.empty()) fmt::print("no worktrees\n");
  int64_t total = 0;
  for (const auto& w : list) {
    const auto& u = usage[w.name];
    total += u.bytes;
    fmt::print("{:<36} {:<42} {:>9} {:>6}  {}{}\n", w.name, w.branch,
               w.valid ? fmt::format("{:.1f} MB", static_cast<double>(u.bytes) / 1048576) : "-",
               w.valid ? fmt::format("{:.1f}d", u.age_days) : "-", b.rel(w.path),
               !w.valid             ? "  (missing: `cleanup` prunes it)"
               : u.story_id.empty() ? "  (no story)"
               : u.done             ? "  (done)"
                                    : "");
  }
  if (!list.empty())
    fmt::print("{} worktree{}, {:.1f} MB\n", list.size(), list.size() == 1 ? "" : "s",
               static_cast<double>(total) / 1048576);
  return 0;
}

int cmd_run_guard(const std::string& sdlc_dir, long run_pid) {
  return guard_run(sdlc_dir, run_pid, std::cerr);
}

int cmd_runs(const global_options& g, bool json) {
  auto b = open_board(g);
  auto runs = list_runs(b.sdlc_dir() / "runs");
  if (json)
    std::cout << json_output(runs_json(runs), without_json("runs"));
  else
    std::cout << runs_text(runs);
  return 0;
}

int cmd_notify(const global_options& g, const std::string& event, const std::string& story,
               bool json) {
  auto b = open_board(g);
  auto kind = notification_kind_named(event);
  if (!kind)
    throw bad_input(fmt::format("--event {}: no such notification; one of {}", event,
                                fmt::join(notification_kind_names(), ", ")));
  // The console's line goes to stderr with --json, so stdout stays JSON.
  auto r = send_test_notification(b, *kind, story, json ? std::cerr : std::cout);
  if (json)
    std::cout << json_output(notify_test_json(r), work_done("notify --test", "notify --test"));
  else
    std::cout << notify_test_text(r, term::style_for(1));
  return r.delivered() ? 0 : static_cast<int>(exit_code::failure);
}

int cmd_report(const global_options& g, const std::string& run_id, bool json,
               const std::string& html) {
  auto b = open_board(g);
  const auto runs_dir = b.sdlc_dir() / "runs";
  // Only the chosen journal is read: the others may be many and long.
  const auto ids = run_ids(runs_dir);
  if (ids.empty()) throw bad_input("no runs yet: `run` records each one in " + b.rel(runs_dir));
  const std::string id = run_id.empty() ? ids.back() : run_id;
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    throw bad_input(fmt::format("no run {} in {}; `runs` lists them", id, b.rel(runs_dir)));
  auto report = analyze_run(id, read_journal(runs_dir / id / "events.jsonl"));
  if (!html.empty()) {
    const auto graph = render_svg(run_graph_dot(report), std::chrono::seconds(60));
    fs::atomic_write(html, report_html(report, graph));
    std::cout << fmt::format("wrote {} (run {}, {} stor{}{})\n", html, id, report.stories.size(),
                             report.stories.size() == 1 ? "y" : "ies",
                             graph ? "" : "; install graphviz for the dependency graph");
    return 0;
  }
  if (json)
    std::cout << json_output(report_json(report), without_json("report " + id));
  else
    std::cout << report_text(report);
  return 0;
}

int cmd_logs(const global_options& g, const logs_options& o) {
  auto b = open_board(g);
  auto s = b.find(o.id);
  const auto dir = s.dir() / "logs";
  auto files = story_log_files(dir);
  if (files.empty())
    throw failure(
        fmt::format("{} has no logs yet (they appear in {} once it runs)", s.id(), b.rel(dir)));
  auto file = o.timestamp ? pick_story_log(files, *o.timestamp, b.rel(dir)) : files.back();
  auto text = fs::read_file(file);
  std::cout << (o.all ? text : last_lines(text, o.lines)) << std::flush;
  if (!o.follow) return 0;
  auto offset = std::filesystem::file_size(file);
  for (;;) { // until Ctrl-C, as tail -f
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto now = story_log_files(dir);
    if (!o.timestamp && !now.empty() && now.back() != file) {
      file = now.back(); // a new run began
      offset = 0;
      std::cout << "--- " << b.rel(file) << "\n";
    }
    auto size = std::filesystem::file_size(file);
    if (size > offset) {
      std::cout << fs::read_file(file).substr(offset) << std::flush;
      offset = size;
    }
  }
}

} // namespace sdlc::cli
