#pragma once
// Past runs, from their journals (.ai-sdlc/runs/<run-id>/events.jsonl): what
// `runs` lists, and the pruning that keeps report.keepRuns of them.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

struct run_summary {
  std::string id;
  int64_t started_ms = 0;
  int64_t last_ms = 0;   // its last line: the end, or where a killed run stopped
  bool finished = false; // it wrote run_finished
  bool died = false;     // its guard wrote run_died (neither: killed unguarded, or running)
  int stopped = 0;       // process groups its guard stopped
  int stories = 0;       // in its plan
  int done = 0, blocked = 0, failed = 0, other = 0; // story_finished results
  double cost_usd = 0;
  std::string problem; // a journal that cannot be read: why (the rest is empty)
};

// The ids of the runs under `runs_dir`, oldest first (run ids sort by start
// time), without reading their journals.
std::vector<std::string> run_ids(const std::filesystem::path& runs_dir);

// Every run under `runs_dir`, oldest first.
std::vector<run_summary> list_runs(const std::filesystem::path& runs_dir);

// What one journal says about its run.
run_summary summarize_run(const std::string& id, const std::vector<nlohmann::json>& lines);

// Removes the oldest runs beyond `keep`, never `spare` (the run being made).
// Returns the ids removed.
std::vector<std::string> prune_runs(const std::filesystem::path& runs_dir, std::size_t keep,
                                    const std::string& spare);

std::string runs_text(const std::vector<run_summary>& runs);
nlohmann::json runs_json(const std::vector<run_summary>& runs);

} // namespace sdlc
