#include "runtime/workflow/run_guard.hpp"

#include "runtime/agent/agent_command.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/leftover_agents.hpp"

#include <fmt/format.h>

#include <iterator>
#include <ostream>

namespace sdlc {

std::unique_ptr<guard_process> start_run_guard(const board& b, std::ostream& warn) {
  return start_guard(run_guard_command, b.sdlc_dir(),
                     {std::begin(agent_mark_envs), std::end(agent_mark_envs)},
                     "what it started runs on until the next run on this board (or "
                     "`sdlc-actors cleanup`)",
                     warn);
}

int guard_run(const std::filesystem::path& sdlc_dir, long run_pid, std::ostream& err) {
  // With the run's lock, no live run of this board owns what is marked with it.
  return clean_up_after_the_starter(run_lock_file(sdlc_dir), "the board", [&] {
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
  });
}

} // namespace sdlc
