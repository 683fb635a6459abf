#include "runtime/report/run_history.hpp"

#include "runtime/console/dashboard.hpp"
#include "runtime/report/run_journal.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

std::string result_text(const run_summary& r) {
  if (!r.problem.empty()) return "unreadable";
  if (r.finished) return "finished";
  if (r.died)
    return fmt::format("died (its guard stopped {} process group{})", r.stopped,
                       r.stopped == 1 ? "" : "s");
  return "stopped early";
}

} // namespace

std::vector<std::string> run_ids(const stdfs::path& runs_dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  if (!stdfs::is_directory(runs_dir, ec)) return ids;
  for (const auto& e : stdfs::directory_iterator(runs_dir, ec))
    if (e.is_directory(ec) && !stdfs::is_symlink(e.path(), ec))
      ids.push_back(e.path().filename().string());
  std::sort(ids.begin(), ids.end());
  return ids;
}

run_summary summarize_run(const std::string& id, const std::vector<nlohmann::json>& lines) {
  run_summary r;
  r.id = id;
  for (const auto& l : lines) {
    const auto event = l.value("event", "");
    const auto at = l.value("at_ms", int64_t{0});
    r.last_ms = std::max(r.last_ms, at);
    if (event == "run_started") {
      r.started_ms = at;
      r.stories = static_cast<int>(l.value("stories", nlohmann::json::array()).size());
    } else if (event == "run_finished") {
      r.finished = true;
    } else if (event == "run_died") {
      r.died = true;
      r.stopped = static_cast<int>(l.value("stopped", nlohmann::json::array()).size());
    } else if (event == "usage") {
      r.cost_usd += l.value("cost_usd", 0.0);
    } else if (event == "story_finished") {
      const auto result = l.value("result", "");
      (result == "done"      ? r.done
       : result == "blocked" ? r.blocked
       : result == "failed"  ? r.failed
                             : r.other)++;
    }
  }
  return r;
}

std::vector<run_summary> list_runs(const stdfs::path& runs_dir) {
  std::vector<run_summary> out;
  for (const auto& id : run_ids(runs_dir)) {
    try {
      out.push_back(summarize_run(id, read_journal(runs_dir / id / "events.jsonl")));
    } catch (const error& e) {
      run_summary r;
      r.id = id;
      r.problem = e.what();
      out.push_back(r);
    }
  }
  return out;
}

std::vector<std::string> prune_runs(const stdfs::path& runs_dir, std::size_t keep,
                                    const std::string& spare) {
  auto ids = run_ids(runs_dir);
  std::vector<std::string> removed;
  for (std::size_t i = 0; i + keep < ids.size(); ++i) {
    if (ids[i] == spare) continue;
    std::error_code ec;
    stdfs::remove_all(runs_dir / ids[i], ec);
    if (!ec) removed.push_back(ids[i]);
  }
  return removed;
}

std::string runs_text(const std::vector<run_summary>& runs) {
  if (runs.empty()) return "no runs yet (each `run` records one in .ai-sdlc/runs/)\n";
  std::string out =
      fmt::format("{:<26} {:<24} {:>9} {:>7} {:>5} {:>7} {:>6} {:>9}  {}\n", "run", "started",
                  "duration", "stories", "done", "blocked", "failed", "cost", "result");
  for (const auto& r : runs) {
    const auto started = r.started_ms ? time::to_iso8601(std::chrono::system_clock::time_point(
                                            std::chrono::milliseconds(r.started_ms)))
                                      : std::string("-");
    out += fmt::format("{:<26} {:<24} {:>9} {:>7} {:>5} {:>7} {:>6} {:>9}  {}\n", r.id, started,
                       format_duration(std::max<int64_t>(0, r.last_ms - r.started_ms)), r.stories,
                       r.done, r.blocked, r.failed, fmt::format("${:.4f}", r.cost_usd),
                       r.problem.empty() ? result_text(r) : result_text(r) + ": " + r.problem);
  }
  return out;
}

nlohmann::json runs_json(const std::vector<run_summary>& runs) {
  auto out = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json j = {{"id", r.id},
                        {"started_ms", r.started_ms},
                        {"duration_ms", std::max<int64_t>(0, r.last_ms - r.started_ms)},
                        {"finished", r.finished},
                        {"died", r.died},
                        {"stopped_groups", r.stopped},
                        {"stories", r.stories},
                        {"done", r.done},
                        {"blocked", r.blocked},
                        {"failed", r.failed},
                        {"other", r.other},
                        {"cost_usd", r.cost_usd}};
    if (!r.problem.empty()) j["problem"] = r.problem;
    out.push_back(std::move(j));
  }
  return out;
}

} // namespace sdlc
