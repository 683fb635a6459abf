#include "runtime/util/reusable_threads.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sdlc {

struct reusable_threads::state {
  std::chrono::milliseconds keep_idle;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::packaged_task<void()>> tasks;
  std::size_t idle = 0;
  bool stop = false;
};

namespace {

void serve(std::shared_ptr<reusable_threads::state> s) {
  std::unique_lock<std::mutex> lock(s->mu);
  for (;;) {
    ++s->idle;
    // After a timeout the predicate is looked at once more: a task handed to
    // this thread just then is still taken.
    const bool woken =
        s->cv.wait_for(lock, s->keep_idle, [&] { return s->stop || !s->tasks.empty(); });
    --s->idle;
    if (!woken || s->tasks.empty()) return; // idle too long, or stopping
    auto task = std::move(s->tasks.front());
    s->tasks.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

} // namespace

reusable_threads::reusable_threads(std::chrono::milliseconds keep_idle)
    : s_(std::make_shared<state>()) {
  s_->keep_idle = keep_idle;
}

reusable_threads::~reusable_threads() {
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->stop = true;
  }
  s_->cv.notify_all();
}

reusable_threads& reusable_threads::shared() {
  static auto* instance = new reusable_threads(std::chrono::seconds(30));
  return *instance;
}

std::future<void> reusable_threads::run(std::function<void()> task) {
  std::packaged_task<void()> job(std::move(task));
  auto done = job.get_future();
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->tasks.push_back(std::move(job));
  // Every waiting task needs an idle thread of its own; otherwise it would
  // wait behind a task that may run for the whole life of a process.
  if (s_->tasks.size() > s_->idle)
    std::thread(serve, s_).detach();
  else
    s_->cv.notify_one();
  return done;
}

} // namespace sdlc
