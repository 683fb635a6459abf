#include "runtime/story/run_lock.hpp"

#include "runtime/process/guard_process.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <thread>

namespace sdlc {

std::filesystem::path run_lock_file(const board& b) {
  return run_lock_file(b.sdlc_dir());
}

std::filesystem::path run_lock_file(const std::filesystem::path& sdlc_dir) {
  return sdlc_dir / "run.lock";
}

std::unique_ptr<file_lock> lock_past_a_guard(const std::filesystem::path& path,
                                             const std::string& what) {
  // A holder that has not written its name yet (the file empty, or naming its
  // dead predecessor) is a guard or a run that has just started: the next
  // look says which.
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(15);
  while (clock::now() < deadline) {
    auto holder = file_lock::read_holder(path);
    if (holder && holder->alive && !is_guard_command_line(holder->command)) return nullptr;
    try {
      return std::make_unique<file_lock>(path, std::chrono::milliseconds(0), what);
    } catch (const error&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return nullptr;
}

std::unique_ptr<file_lock> acquire_run_lock(const board& b, bool force_unlock) {
  const auto path = run_lock_file(b);
  // The flock is the truth, whatever the file says: a lock that is held has a
  // live holder, and removing its file would let a second orchestrator start
  // beside it (and a third once either of them exits). --force-unlock only
  // ever takes over a lock nobody holds, which acquiring does anyway.
  if (force_unlock && file_lock::held(path)) {
    auto holder = file_lock::read_holder(path);
    throw failure(fmt::format(
        "--force-unlock refused: the run lock is held by a live process{} — a second run would "
        "kill its agents. Stop it (Ctrl-C in its terminal, or `kill {}`) and run again (lock "
        "file: {})",
        holder ? fmt::format(", pid {} ({}) since {}", holder->pid, holder->command, holder->since)
               : std::string(),
        holder ? std::to_string(holder->pid) : std::string("<pid>"), b.rel(path)));
  }
  try {
    return std::make_unique<file_lock>(path, std::chrono::milliseconds(0), "the board");
  } catch (const error&) {
    if (auto lock = lock_past_a_guard(path, "the board")) return lock;
    throw failure(fmt::format(
        "another run is using this board: {}. Wait for it to finish or stop it (Ctrl-C); if it "
        "is gone and this persists, `run --force-unlock` (lock file: {})",
        describe_holder(file_lock::read_holder(path)), b.rel(path)));
  }
}

} // namespace sdlc
