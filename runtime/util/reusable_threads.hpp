#pragma once
// Threads kept after their task, to run the next one: for blocking work that
// starts often and lasts long, such as reading an agent process's output until
// it exits, or serving one gateway connection. A thread start costs ~50 µs on
// this machine (stack, TLS, TLB shootdowns across cores), and a no-op run
// started four readers per story.
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <limits>
#include <memory>

namespace sdlc {

class reusable_threads {
public:
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  // Threads idle longer than `keep_idle` end. Below `max_threads` a task
  // never waits behind another (tasks may block for as long as they like);
  // at the cap it waits for the first thread to come free.
  explicit reusable_threads(std::chrono::milliseconds keep_idle,
                            std::size_t max_threads = unlimited);
  // shutdown().
  ~reusable_threads();
  reusable_threads(const reusable_threads&) = delete;
  reusable_threads& operator=(const reusable_threads&) = delete;

  // The process's own, unlimited and never destroyed: a task may outlive
  // main's objects.
  static reusable_threads& shared();

  // Hands `task` to an idle thread, a new one, or (at the cap) the queue.
  // False once shut down: the task is not run.
  bool post(std::function<void()> task);

  // post(), and a future that is ready once `task` has returned (broken, if
  // it was refused).
  std::future<void> run(std::function<void()> task);

  // Takes no more tasks, lets the threads finish the queued ones, and waits
  // until every thread has ended. Idempotent.
  void shutdown();

  struct state;

private:
  std::shared_ptr<state> s_; // shared with the threads, which are detached
};

} // namespace sdlc
