// runtime/schedule/restart_policy: exponential backoff, capped; no more than
// max_restarts within the window, which slides.
#include "runtime/schedule/restart_policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(restart_policy_suite)

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_its_cap_then_the_story_fails) {
  restart_policy p{3, 60000ms, 1000ms, 3000ms};
  std::deque<std::chrono::milliseconds> history;
  std::vector<long> delays;
  for (int i = 0; i < 3; ++i) {
    auto d = decide_restart(history, std::chrono::milliseconds(i * 100), p);
    BOOST_REQUIRE(d.restart);
    delays.push_back(d.delay.count());
  }
  BOOST_TEST(delays == (std::vector<long>{1000, 2000, 3000})); // 4000 capped at 3000
  auto d = decide_restart(history, 400ms, p);
  BOOST_TEST(!d.restart);
  BOOST_TEST(d.reason.find("supervision.maxRestarts = 3") != std::string::npos, d.reason);
}

BOOST_AUTO_TEST_CASE(old_restarts_leave_the_window) {
  restart_policy p{2, 10000ms, 500ms, 30000ms};
  std::deque<std::chrono::milliseconds> history;
  BOOST_TEST(decide_restart(history, 0ms, p).restart);
  BOOST_TEST(decide_restart(history, 1000ms, p).restart);
  BOOST_TEST(!decide_restart(history, 2000ms, p).restart); // 2 within 10 s already
  auto later = decide_restart(history, 10500ms, p);        // the first has left the window
  BOOST_TEST(later.restart);
  BOOST_TEST(later.delay.count() == 1000); // one restart still in the window: doubled once
}

BOOST_AUTO_TEST_CASE(no_restarts_allowed) {
  restart_policy p{0, 60000ms, 1000ms, 30000ms};
  std::deque<std::chrono::milliseconds> history;
  BOOST_TEST(!decide_restart(history, 0ms, p).restart);
}

BOOST_AUTO_TEST_SUITE_END()
