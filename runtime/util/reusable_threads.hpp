#pragma once
// Threads kept after their task, to run the next one: for blocking work that
// starts often and lasts long, such as reading an agent process's output until
// it exits. A thread start costs ~50 µs on this machine (stack, TLS, TLB
// shootdowns across cores), and a no-op run started four readers per story.
#include <chrono>
#include <functional>
#include <future>
#include <memory>

namespace sdlc {

class reusable_threads {
public:
  // Threads idle longer than `keep_idle` end.
  explicit reusable_threads(std::chrono::milliseconds keep_idle);
  // Idle threads end; a running task is finished by its thread first.
  ~reusable_threads();
  reusable_threads(const reusable_threads&) = delete;
  reusable_threads& operator=(const reusable_threads&) = delete;

  // The process's own (never destroyed: a task may outlive main's objects).
  static reusable_threads& shared();

  // Runs `task` now, on an idle thread or a new one (never queued behind
  // another task: tasks may block for as long as they like). The future is
  // ready once `task` has returned.
  std::future<void> run(std::function<void()> task);

  struct state;

private:
  std::shared_ptr<state> s_; // shared with the threads, which outlive this object
};

} // namespace sdlc
