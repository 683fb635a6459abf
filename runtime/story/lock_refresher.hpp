#pragma once
// Keeps lock directories fresh while they are held: touches each one every
// `period`, so that nobody takes it for stale (proper-lockfile's rule: an mtime
// older than the stale limit means a dead holder).
//
// One thread for every lock a process holds. A thread per lock cost a run
// seven thread starts per story, for locks held a millisecond or two: 3-4 % of
// a no-op run's CPU (docs/benchmarks.md).
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace sdlc {

class lock_refresher {
public:
  explicit lock_refresher(std::chrono::milliseconds period);
  ~lock_refresher(); // stops the thread (shared() is never destroyed)
  lock_refresher(const lock_refresher&) = delete;
  lock_refresher& operator=(const lock_refresher&) = delete;

  // The one a process's peer_locks share (period: half the stale limit).
  static lock_refresher& shared();

  // From `hold` until `release` returns, `dir` is touched every period. After
  // `release` it is never touched again by us, even if someone else takes it.
  void hold(const std::filesystem::path& dir);
  void release(const std::filesystem::path& dir);

private:
  void loop();
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multiset<std::string> held_; // one entry per hold (a process may hold a lock twice)
  bool stop_ = false;
  std::thread thread_; // started by the first hold
};

} // namespace sdlc
