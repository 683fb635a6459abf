// `conflicts` and `cleanup`: parse, call runtime, print.
#include "commands.hpp"

#include "runtime/console/json_output.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/land/land_stories.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/workflow/cleanup.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/workflow/run_guard.hpp"
#include "runtime/schedule/conflict_scan.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>

namespace sdlc::cli {

int cmd_conflicts(const global_options& g, const std::vector<std::string>& ids, bool json) {
  auto b = open_board(g);
  // The named stories among themselves; --json lists every pair, low ones
  // too (the text shows only those sharing a file or a directory).
  auto scan = scan_conflicts(b, ids, false, json);
  if (json) {
    nlohmann::ordered_json j;
    auto& stories = j["stories"] = nlohmann::ordered_json::array();
    for (const auto& s : scan.stories)
      stories.push_back(nlohmann::ordered_json{{"id", s.id}, {"files", s.files}});
    auto& pairs = j["conflicts"] = nlohmann::ordered_json::array();
    for (const auto& c : scan.conflicts)
      pairs.push_back(nlohmann::ordered_json{{"a", c.a},
                                             {"b", c.b},
                                             {"severity", to_string(c.severity)},
                                             {"shared", c.shared},
                                             {"merge_conflicts", c.merge_conflicts}});
    fmt::print("{}", json_output(j, without_json("conflicts")));
  } else {
    auto st = term::style_for(1);
    for (const auto& s : scan.stories)
      fmt::print("{}  {}\n", st.bold(s.id),
                 s.files.empty() ? st.dim("(no files known yet)")
                                 : fmt::format("{}", fmt::join(s.files, " ")));
    if (!scan.stories.empty()) fmt::print("\n");
    int shown = 0;
    for (const auto& c : scan.conflicts) {
      if (c.severity == conflict_severity::low) continue;
      auto line = fmt::format("{:<6}  {}", to_string(c.severity), describe(c));
      fmt::print("{}\n", c.severity == conflict_severity::high ? st.red(line) : st.yellow(line));
      ++shown;
    }
    if (shown == 0) fmt::print("no conflicts: no two stories touch the same file or directory\n");
  }
  for (const auto& c : scan.conflicts)
    if (c.severity == conflict_severity::high) return static_cast<int>(exit_code::failure);
  return 0;
}

int cmd_cleanup(const global_options& g, bool dry_run, bool force, bool json) {
  auto b = open_board(g);
  cleanup_options o;
  o.dry_run = dry_run;
  o.force = force;
  o.remove_done = true;
  o.stop_leftovers = true;
  auto report = cleanup_board(b, o);
  if (json) {
    auto j = nlohmann::ordered_json::array();
    for (const auto& a : report.actions)
      j.push_back(nlohmann::ordered_json{{"kind", a.kind()},
                                         {"what", a.what},
                                         {"done", a.done},
                                         {"dry_run", dry_run},
                                         {"note", a.note}});
    fmt::print("{}", json_output(j, work_done("cleanup", "cleanup --dry-run")));
    return 0;
  }
  if (report.actions.empty()) fmt::print("nothing to clean up\n");
  for (const auto& a : report.actions)
    fmt::print("{}\n", printable(describe(a, dry_run)));
  return 0;
}

int cmd_land(const global_options& g, const std::vector<std::string>& ids, bool dry_run,
             bool json) {
  auto b = open_board(g);
  // Landing moves the base branch and rewrites stories: not beside a live run.
  auto lock = dry_run ? nullptr : acquire_run_lock(b, false);
  // As `run` does, once the lock is ours: a check (or agent) a killed `land`
  // or run left running must not go on in the landing's folder.
  if (lock)
    for (const auto& note : stop_leftover_agents(b))
      (json ? std::cerr : std::cout) << note << "\n";
  auto guard = lock ? start_run_guard(b, std::cerr) : nullptr; // its checks, if `land` is killed
  std::ostringstream progress;
  auto report = land_stories(b, {ids, dry_run}, json ? progress : std::cout);
  bool all_landed =
      std::all_of(report.stories.begin(), report.stories.end(),
                  [](const landed_story& s) { return s.result == land_result::landed; });
  if (json) {
    auto stories = nlohmann::ordered_json::array();
    for (const auto& s : report.stories)
      stories.push_back({{"id", s.id},
                         {"result", to_string(s.result)},
                         {"commit", s.commit},
                         {"pr_url", b.find(s.id).str("pr_url")},
                         {"detail", s.detail}});
    nlohmann::ordered_json j{
        {"base", report.base},       {"target", report.pull_requests ? "github" : "local"},
        {"dry_run", dry_run},        {"test_runs", report.test_runs},
        {"batches", report.batches}, {"stories", stories}};
    fmt::print("{}", json_output(j, work_done("land", "status")));
  } else if (report.stories.empty()) {
    fmt::print("nothing to land: no done story with a branch waits\n");
  } else {
    fmt::print("{} of {} landed on {}{}\n",
               std::count_if(report.stories.begin(), report.stories.end(),
                             [](const landed_story& s) { return s.result == land_result::landed; }),
               report.stories.size(), report.base,
               dry_run                ? " (dry run)"
               : report.pull_requests ? " through pull requests"
                                      : fmt::format(", {} test run{}", report.test_runs,
                                                    report.test_runs == 1 ? "" : "s"));
  }
  return all_landed ? 0 : 1;
}

} // namespace sdlc::cli
