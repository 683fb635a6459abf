#pragma once
// A run killed with SIGKILL (by a person, the OOM killer, a crash) cannot stop
// what it started: each agent leads its own process group and would go on
// editing its worktree, and spending tokens, until the next run on the board
// stops it (leftover_agents). So `run` and `land`, once they hold the board's
// run lock, start a guard (runtime/process/guard_process). When the run dies,
// its guard takes the run lock and stops every process group marked with the
// board at once, saying so on the run's stderr, and ends the run's journal with
// a `run_died` line (runtime/report/run_death); a new run, `land` or `cleanup`
// that took the lock first stops them itself.
#include "runtime/process/guard_process.hpp"

#include <filesystem>
#include <iosfwd>
#include <memory>

namespace sdlc {

class board;

// The guard of `b`'s run or `land`, or none with a warning on `warn`.
std::unique_ptr<guard_process> start_run_guard(const board& b, std::ostream& warn);

// The guard's side (`sdlc-actors run-guard <sdlc dir> <run pid>`): once the
// run is gone, stops what it left. Exit code 1 when a group would not die.
int guard_run(const std::filesystem::path& sdlc_dir, long run_pid, std::ostream& err);

} // namespace sdlc
