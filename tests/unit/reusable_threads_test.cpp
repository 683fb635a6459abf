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

BOOST_AUTO_TEST_SUITE_END()
