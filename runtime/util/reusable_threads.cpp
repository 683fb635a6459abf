#include "runtime/util/reusable_threads.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sdlc {

struct reusable_threads::state {
  std::chrono::milliseconds keep_idle;
  std::size_t max_threads;
  std::mutex mu;
  std::condition_variable work;  // a task or the stop, for idle threads
  std::condition_variable ended; // a thread ended, for shutdown()
  std::deque<std::function<void()>> tasks;
  std::size_t idle = 0, live = 0;
  bool stop = false;
};

namespace {

// Detached rather than joined, because a thread that stays idle too long ends
// by itself; shutdown() waits for `live` to reach zero instead. The last
// thing a thread does with the lock held is to count itself out, so nothing
// of the pool's owner is touched after shutdown() returns.
void serve(std::shared_ptr<reusable_threads::state> s) {
  std::unique_lock<std::mutex> lock(s->mu);
  for (;;) {
    ++s->idle;
    // After a timeout the predicate is looked at once more: a task handed to
    // this thread just then is still taken.
    s->work.wait_for(lock, s->keep_idle, [&] { return s->stop || !s->tasks.empty(); });
    --s->idle;
    if (s->tasks.empty()) break; // idle too long, or stopping with nothing queued
    auto task = std::move(s->tasks.front());
    s->tasks.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
  --s->live;
  s->ended.notify_all();
}

} // namespace

reusable_threads::reusable_threads(std::chrono::milliseconds keep_idle, std::size_t max_threads)
    : s_(std::make_shared<state>()) {
  s_->keep_idle = keep_idle;
  s_->max_threads = max_threads == 0 ? 1 : max_threads;
}

reusable_threads::~reusable_threads() {
  shutdown();
}

reusable_threads& reusable_threads::shared() {
  static auto* instance = new reusable_threads(std::chrono::seconds(30));
  return *instance;
}

bool reusable_threads::post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->stop) return false;
  s_->tasks.push_back(std::move(task));
  // Every waiting task needs an idle thread of its own; otherwise it would
  // wait behind a task that may run for the whole life of a process.
  if (s_->tasks.size() > s_->idle && s_->live < s_->max_threads) {
    ++s_->live;
    try {
      std::thread(serve, s_).detach();
    } catch (...) { // no thread to be had: refuse the task, as if never posted
      --s_->live;
      s_->tasks.pop_back();
      throw;
    }
  } else {
    s_->work.notify_one();
  }
  return true;
}

std::future<void> reusable_threads::run(std::function<void()> task) {
  auto job = std::make_shared<std::packaged_task<void()>>(std::move(task));
  auto done = job->get_future();
  post([job] { (*job)(); });
  return done;
}

void reusable_threads::shutdown() {
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->stop = true;
  s_->work.notify_all();
  s_->ended.wait(lock, [&] { return s_->live == 0; });
}

} // namespace sdlc
