#include "runtime/story/run_lock.hpp"

#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

std::filesystem::path run_lock_file(const board& b) {
  return b.sdlc_dir() / "run.lock";
}

std::unique_ptr<file_lock> acquire_run_lock(const board& b, bool force_unlock) {
  const auto path = run_lock_file(b);
  if (force_unlock) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  try {
    return std::make_unique<file_lock>(path, std::chrono::milliseconds(0), "the board");
  } catch (const error&) {
    auto holder = file_lock::read_holder(path);
    throw failure(fmt::format(
        "another run is using this board: {}. Wait for it to finish or stop it (Ctrl-C); if it "
        "is gone and this persists, `run --force-unlock` (lock file: {})",
        holder ? fmt::format("pid {} ({}) since {}", holder->pid, holder->command, holder->since)
               : std::string("an unknown process"),
        b.rel(path)));
  }
}

} // namespace sdlc
