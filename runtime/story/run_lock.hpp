#pragma once
// One orchestrator per board: `run` holds .ai-sdlc/run.lock (flock, with its
// pid, start time and command line in the file) for its whole life. A lock
// left by a dead run is taken over; a live one is a clear error naming it.
// `--force-unlock` never removes a lock that is held: while its holder lives
// it is refused, naming the holder (a lock nobody holds is taken over anyway).
#include "runtime/util/file_lock.hpp"

#include <filesystem>
#include <memory>

namespace sdlc {

class board;

std::unique_ptr<file_lock> acquire_run_lock(const board& b, bool force_unlock);
std::filesystem::path run_lock_file(const board& b);

} // namespace sdlc
