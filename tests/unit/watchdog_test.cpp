// runtime/agent/watchdog: when an agent process must be stopped.
#include "runtime/agent/watchdog.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(watchdog_suite)

BOOST_AUTO_TEST_CASE(watchdog_rules) {
  watchdog_limits l{10s, 3s, 2s};
  BOOST_TEST((check_watchdog(1s, 1s, std::nullopt, l) == watchdog_verdict::ok));
  BOOST_TEST((check_watchdog(10s, 0s, std::nullopt, l) == watchdog_verdict::wall_timeout));
  BOOST_TEST((check_watchdog(5s, 3s, std::nullopt, l) == watchdog_verdict::idle_timeout));
  BOOST_TEST((check_watchdog(50s, 50s, 1s, l) == watchdog_verdict::ok));
  BOOST_TEST((check_watchdog(5s, 5s, 2s, l) == watchdog_verdict::hung_after_result));
  BOOST_TEST(describe(watchdog_verdict::idle_timeout, l).find("timeouts.idleTimeout") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
