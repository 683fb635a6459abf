#include "runtime/story/lock_refresher.hpp"

#include "runtime/story/peer_lock.hpp"

#include <utime.h>

namespace sdlc {

lock_refresher::lock_refresher(std::chrono::milliseconds period) : period_(period) {}

lock_refresher::~lock_refresher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

lock_refresher& lock_refresher::shared() {
  // Half the stale limit, as proper-lockfile does: a held lock's mtime is never
  // older than that, however long it is held.
  // Never destroyed: a thread that exit() overtakes may still release a lock.
  static auto* instance = new lock_refresher(peer_lock_stale / 2);
  return *instance;
}

void lock_refresher::hold(const std::filesystem::path& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.insert(dir.string());
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void lock_refresher::release(const std::filesystem::path& dir) {
  // Under the mutex: once this returns, the loop cannot be touching `dir`.
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = held_.find(dir.string()); it != held_.end()) held_.erase(it);
}

void lock_refresher::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  // A lock taken just before a touch is touched early, one taken just after
  // waits a whole period: either way its mtime is never older than `period_`.
  while (!cv_.wait_for(lock, period_, [&] { return stop_; }))
    for (const auto& dir : held_)
      ::utime(dir.c_str(), nullptr);
}

} // namespace sdlc
