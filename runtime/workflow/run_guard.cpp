#include "runtime/workflow/run_guard.hpp"

#include "runtime/agent/agent_command.hpp"
#include "runtime/report/run_death.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/leftover_agents.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <ostream>
#include <vector>

namespace sdlc {

std::unique_ptr<guard_process> start_run_guard(const board& b, std::ostream& warn) {
  return start_guard(run_guard_command, b.sdlc_dir(),
                     {std::begin(agent_mark_envs), std::end(agent_mark_envs)},
                     "what it started runs on until the next run on this board (or "
                     "`sdlc-actors cleanup`)",
                     warn);
}

namespace {

// Ends the dead run's journal, which the run told us of, so that `runs` and
// `report` say it died; a run that made none (its board not writable) told
// us nothing.
void record_the_death(const std::vector<std::string>& told, long run_pid, int64_t died_ms,
                      const std::vector<stopped_group>& stopped, std::ostream& err) {
  for (auto it = told.rbegin(); it != told.rend(); ++it) {
    if (it->rfind(journal_told_prefix, 0) != 0) continue;
    const std::filesystem::path journal = it->substr(std::strlen(journal_told_prefix));
    try {
      end_dead_journal(journal, run_died_line(died_ms, run_pid, stopped));
    } catch (const error& e) {
      err << fmt::format("sdlc-actors: warning: {}\n", e.what());
    }
    return;
  }
}

} // namespace

int guard_run(const std::filesystem::path& sdlc_dir, long run_pid, std::ostream& err) {
  // With the run's lock, no live run of this board owns what is marked with it.
  return clean_up_after_the_starter(run_lock_file(sdlc_dir), "the board", [&](const auto& told) {
    const auto died = time::now_ms();
    int code = 0;
    std::vector<stopped_group> stopped;
    for (const auto& g : find_leftover_agents(board_mark_of(sdlc_dir))) {
      try {
        err << fmt::format("sdlc-actors: run {} ended without stopping what it started; {}\n",
                           run_pid, stop_left_over_group(g.pgid, g.story, g.what));
        stopped.push_back({g.story, g.what, static_cast<long>(g.pgid)});
      } catch (const error& e) {
        err << fmt::format("sdlc-actors: error: {}\n", e.what());
        code = 1;
      }
    }
    std::sort(stopped.begin(), stopped.end(),
              [](const auto& a, const auto& b) { return a.story < b.story; });
    record_the_death(told, run_pid, died, stopped, err);
    err.flush();
    return code;
  });
}

} // namespace sdlc
