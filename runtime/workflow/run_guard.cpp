#include "runtime/workflow/run_guard.hpp"

#include "runtime/story/board.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/workflow/leftover_agents.hpp"

#include <fmt/format.h>

#include <ostream>

namespace sdlc {

std::unique_ptr<guard_process> start_run_guard(const board& b, std::ostream& warn) {
  return start_guard(run_guard_command, b.sdlc_dir(),
                     "what it started runs on until the next run on this board (or "
                     "`sdlc-actors cleanup`)",
                     warn);
}

int guard_run(const std::filesystem::path& sdlc_dir, long run_pid, std::ostream& err) {
  outlive_the_starter();
  // The run is gone. With its lock, no live run of this board owns what is
  // marked with it; a new run, `land` or `cleanup` that took the lock first
  // stops it itself.
  std::unique_ptr<file_lock> lock;
  try {
    lock =
        std::make_unique<file_lock>(run_lock_file(sdlc_dir), std::chrono::seconds(5), "the board");
  } catch (const error&) {
    return 0;
  }
  int code = 0;
  for (const auto& g : find_leftover_agents(board_mark_of(sdlc_dir))) {
    try {
      err << fmt::format("sdlc-actors: run {} ended without stopping what it started; {}\n",
                         run_pid, stop_left_over_group(g.pgid, g.story, g.what));
    } catch (const error& e) {
      err << fmt::format("sdlc-actors: error: {}\n", e.what());
      code = 1;
    }
  }
  err.flush();
  return code;
}

} // namespace sdlc
