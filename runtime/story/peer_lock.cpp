#include "runtime/story/peer_lock.hpp"

#include "runtime/story/lock_refresher.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <optional>
#include <cstring>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace sdlc {

namespace stdfs = std::filesystem;
using clock = std::chrono::system_clock;

stdfs::path peer_lock::dir_for(const stdfs::path& file) {
  std::error_code ec;
  auto real = stdfs::canonical(file, ec);
  return (ec ? file : real).string() + ".lock";
}

bool peer_lock::stale(const stdfs::path& lock_dir) {
  struct stat st {};
  if (::stat(lock_dir.c_str(), &st) != 0) return false;
  auto mtime =
      clock::from_time_t(st.st_mtim.tv_sec) +
      std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return clock::now() - mtime > peer_lock_stale;
}

peer_lock::peer_lock(const stdfs::path& file, std::chrono::milliseconds timeout,
                     const std::string& what)
    : dir_(dir_for(file)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(5);
  // A lock whose mtime never moves while we wait has no live holder (one that
  // lives refreshes it every 5 s): e.g. left by a run that was SIGKILLed. It
  // is waited for until stale (at most 10 s) and taken over, whatever
  // locks.timeoutMs says — failing instead would fail every story a killed
  // run was writing, in the run that resumes them.
  std::optional<stdfs::file_time_type> first_seen;
  for (;;) {
    if (::mkdir(dir_.c_str(), 0755) == 0) break;
    if (errno != EEXIST)
      throw failure(fmt::format("cannot take ai-sdlc's lock {} for {}: {}", dir_.string(), what,
                                std::strerror(errno)));
    if (stale(dir_)) { // its holder died (proper-lockfile's own rule)
      std::error_code ec;
      stdfs::remove_all(dir_, ec);
      continue;
    }
    std::error_code ec;
    auto mtime = stdfs::last_write_time(dir_, ec);
    if (ec) continue; // released just now: take it
    if (!first_seen) first_seen = mtime;
    const bool refreshed = mtime != *first_seen;
    if (std::chrono::steady_clock::now() >= deadline && refreshed)
      throw failure(fmt::format(
          "timed out after {} ms waiting for ai-sdlc's lock on {} ({} is held and refreshed "
          "by a live process): wait for ai-sdlc to finish, or raise locks.timeoutMs",
          timeout.count(), what, dir_.string()));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  lock_refresher::shared().hold(dir_);
}

peer_lock::~peer_lock() {
  lock_refresher::shared().release(dir_);
  ::rmdir(dir_.c_str());
}

} // namespace sdlc
