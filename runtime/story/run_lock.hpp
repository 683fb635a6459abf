#pragma once
// One orchestrator per board: `run` holds .ai-sdlc/run.lock (flock, with its
// pid, start time and command line in the file) for its whole life. A lock
// left by a dead run is taken over; a live one is a clear error naming it.
// `--force-unlock` never removes a lock that is held: while its holder lives
// it is refused, naming the holder (a lock nobody holds is taken over anyway).
// A killed run's guard (runtime/workflow/run_guard) holds it for the moment it
// takes to stop what that run left: a run waits for it instead of refusing.
#include "runtime/util/file_lock.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace sdlc {

class board;

std::unique_ptr<file_lock> acquire_run_lock(const board& b, bool force_unlock);
std::filesystem::path run_lock_file(const board& b);
std::filesystem::path run_lock_file(const std::filesystem::path& sdlc_dir);

// `path` once no live process but a guard (or a holder that has not written
// its name yet) holds it: a guard holds a lock for the moment it takes to stop
// what a killed run or node left. Null when a live process holds it, or after
// 15 s.
std::unique_ptr<file_lock> lock_past_a_guard(const std::filesystem::path& path,
                                             const std::string& what);

} // namespace sdlc
