#pragma once
// What a run's journal says about where its time and money went: the pure
// core of `report`. Each story's actions as spans, its waits summed by cause
// (a wait lasts until the story's next event that ends it: another wait, its
// start, an action), cost by action, reworks; the run's makespan against its
// lower bound max(critical path, Σ work ÷ concurrency) over the measured story
// durations (makespan_lower_bound in runtime/schedule/simulation), and the
// critical path itself.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sdlc {

struct action_span {
  std::string action;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool ended = false; // false: the run was killed (or stopped) in it
  bool ok = true;
};

struct wait_span {
  std::string cause; // slot, dependency, conflict, budget, approval
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

struct story_timeline {
  std::string id, title;
  std::vector<std::string> depends_on;
  bool started = false, finished = false;
  int64_t started_ms = 0, finished_ms = 0;
  std::string result; // story_finished's; empty when the run ended first
  std::vector<action_span> actions;
  std::map<std::string, int64_t> waited_ms; // cause -> time
  std::vector<wait_span> waits;             // in time order
  std::map<std::string, double> cost_by_action;
  double cost_usd = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  int reworks = 0;
  int64_t running_ms() const; // Σ action spans
};

// The API limiter's numbers when they changed.
struct api_sample {
  int64_t at_ms = 0;
  int in_flight = 0;
  int64_t rejections = 0; // 429/529 seen so far
};

struct run_report {
  std::string id;
  int64_t started_ms = 0, ended_ms = 0;
  bool finished = false;
  bool died = false;                // its guard ended the journal (run_died)
  std::vector<std::string> stopped; // what the guard stopped: "S-0003's agent"
  int concurrency = 1;
  int64_t makespan_ms = 0;
  int64_t lower_bound_ms = 0;
  std::vector<std::string> critical_path; // story ids, first to last
  int64_t critical_path_ms = 0;
  std::vector<story_timeline> stories; // in the plan's order
  int64_t rejections = 0;              // 429/529 answers the limiter saw
  int64_t paused_ms = 0;               // time the API limiter was paused
  double cost_usd = 0;
  std::vector<api_sample> api;
};

// A duration as the report shows it: seconds with a decimal below a minute
// (short runs and waits matter here), the dashboard's clock above.
std::string clock_text(int64_t ms);

run_report analyze_run(const std::string& id, const std::vector<nlohmann::json>& lines);

// How the run ended: "finished", "died (killed or crashed; its guard stopped
// …)", or "stopped early (killed, or still running)".
std::string ending_text(const run_report& r);
std::string report_text(const run_report& r);
nlohmann::json report_json(const run_report& r);

} // namespace sdlc
