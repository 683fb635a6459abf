#include "runtime/util/reusable_threads.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(reusable_threads_suite)

// A task may block for as long as it likes (a reader lives as long as its
// process): the next one runs beside it, never behind it.
BOOST_AUTO_TEST_CASE(a_blocked_task_does_not_hold_up_the_next) {
  reusable_threads pool(1s);
  std::promise<void> released;
  auto release = released.get_future().share();
  auto first = pool.run([release] { release.wait(); });
  std::atomic<bool> second_ran{false};
  auto second = pool.run([&] { second_ran = true; });
  BOOST_TEST((second.wait_for(5s) == std::future_status::ready));
  BOOST_TEST(second_ran.load());
  BOOST_TEST((first.wait_for(0s) == std::future_status::timeout));
  released.set_value();
  BOOST_TEST((first.wait_for(5s) == std::future_status::ready));
}

// What the pool is for: a finished task's thread takes the next task.
BOOST_AUTO_TEST_CASE(an_idle_thread_takes_the_next_task) {
  reusable_threads pool(5s);
  std::thread::id first_id, second_id;
  pool.run([&] { first_id = std::this_thread::get_id(); }).wait();
  std::this_thread::sleep_for(20ms); // the thread is back waiting
  pool.run([&] { second_id = std::this_thread::get_id(); }).wait();
  BOOST_TEST((first_id == second_id));
  BOOST_TEST((first_id != std::this_thread::get_id()));
}

// The gateway's use: at the cap a task waits for a thread to come free.
BOOST_AUTO_TEST_CASE(at_the_cap_a_task_waits_for_a_free_thread) {
  reusable_threads pool(5s, 1);
  std::promise<void> released;
  auto release = released.get_future().share();
  auto first = pool.run([release] { release.wait(); });
  auto second = pool.run([] {});
  BOOST_TEST((second.wait_for(100ms) == std::future_status::timeout));
  released.set_value();
  BOOST_TEST((second.wait_for(5s) == std::future_status::ready));
  BOOST_TEST((first.wait_for(0s) == std::future_status::ready));
}

// shutdown() is the join: what was queued runs, every thread has ended when it
// returns, and nothing is taken after it.
BOOST_AUTO_TEST_CASE(shutdown_runs_what_was_queued_then_refuses) {
  reusable_threads pool(5s, 1);
  std::promise<void> released;
  auto release = released.get_future().share();
  std::atomic<int> ran{0};
  pool.post([release, &ran] {
    release.wait();
    ++ran;
  });
  pool.post([&ran] { ++ran; });
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    released.set_value();
  });
  pool.shutdown();
  releaser.join();
  BOOST_TEST(ran.load() == 2);
  BOOST_TEST(!pool.post([&ran] { ++ran; }));
  auto refused = pool.run([] {});
  BOOST_CHECK_THROW(refused.get(), std::future_error);
  BOOST_TEST(ran.load() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
