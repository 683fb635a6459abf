#define BOOST_TEST_MODULE rate_limiter_core
// The limiter core on virtual time (plain numbers, no clock).
#include "runtime/api/rate_limiter_core.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace sdlc;
using namespace std::chrono_literals;

namespace {
permit_request req(uint64_t id, long prio, long in = 100, long out = 50) {
  return {id, "S-" + std::to_string(id), prio, in, out};
}
} // namespace

BOOST_AUTO_TEST_CASE(never_exceeds_any_limit_over_long_random_sequences) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    api_limits lim;
    lim.requests = 10;
    lim.input_tokens = 5000;
    lim.output_tokens = 2000;
    lim.window = 1000ms;
    lim.max_in_flight = 4;
    rate_limiter_core core(lim, 0ms);
    struct grant_rec {
      ms at;
      long in, out;
    };
    std::vector<grant_rec> grants;
    std::map<uint64_t, permit_request> running;
    std::vector<std::pair<ms, ms>> pauses; // [from, until)
    ms now{0};
    uint64_t next_id = 1;
    for (int step = 0; step < 3000; ++step) {
      for (int k = std::uniform_int_distribution<int>(0, 2)(rng); k > 0; --k)
        core.enqueue(req(next_id++, std::uniform_int_distribution<long>(0, 5)(rng),
                         std::uniform_int_distribution<long>(50, 800)(rng),
                         std::uniform_int_distribution<long>(10, 300)(rng)),
                     now);
      auto granted = core.grant(now);
      for (auto id : granted) {
        BOOST_REQUIRE(!running.count(id));
        running[id] = {};
        grants.push_back({now, 0, 0});
      }
      // Liveness: whatever stops a queued request (other than the in-flight
      // cap, which a release lifts) has a wake-up time.
      if (core.queued() > 0 && core.in_flight() < core.cap())
        BOOST_REQUIRE_MESSAGE(core.next_wakeup(now), "seed " << seed << ": stuck queue");
      // A 429 halves the cap below what is already in flight; no grant may
      // then happen until enough have finished.
      if (!granted.empty()) BOOST_REQUIRE(core.in_flight() <= core.cap());
      BOOST_REQUIRE(core.cap() <= lim.max_in_flight);
      // Finish some running requests; now and then the upstream says 429.
      for (auto it = running.begin(); it != running.end();) {
        if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
          permit_result r;
          if (std::uniform_int_distribution<int>(0, 40)(rng) == 0) {
            r.status = 429;
            r.retry_after = ms(std::uniform_int_distribution<int>(50, 400)(rng));
            pauses.emplace_back(now, now + *r.retry_after);
          }
          core.release(it->first, r, now);
          it = running.erase(it);
        } else {
          ++it;
        }
      }
      now += ms(std::uniform_int_distribution<int>(0, 40)(rng));
    }
    BOOST_TEST(grants.size() > 500u, "seed " << seed);
    // At most `requests` grants in any window.
    for (std::size_t i = 0; i < grants.size(); ++i) {
      std::size_t in_window = 0;
      for (std::size_t j = i; j < grants.size() && grants[j].at - grants[i].at < lim.window; ++j)
        ++in_window;
      BOOST_REQUIRE_MESSAGE(in_window <= static_cast<std::size_t>(lim.requests),
                            "seed " << seed << ": " << in_window << " grants within a window");
    }
    // Nothing granted while paused by a 429 (a pause starts after its release).
    for (const auto& g : grants)
      for (const auto& [from, until] : pauses)
        BOOST_REQUIRE_MESSAGE(!(g.at > from && g.at < until),
                              "grant during a 429 pause, seed " << seed);
  }
}

BOOST_AUTO_TEST_CASE(token_windows_hold_with_actual_usage) {
  api_limits lim;
  lim.input_tokens = 1000;
  lim.output_tokens = 400;
  lim.window = 1000ms;
  rate_limiter_core core(lim, 0ms);
  for (uint64_t i = 1; i <= 6; ++i)
    core.enqueue(req(i, 1, 300, 100), 0ms);
  BOOST_TEST(core.grant(0ms).size() == 3u); // 900 input tokens; a 4th would be 1200
  permit_result small;
  small.input_tokens = 50; // actual usage was small: room for more
  small.output_tokens = 20;
  core.release(1, small, 10ms);
  BOOST_TEST(core.grant(10ms).size() == 1u);
  BOOST_TEST(core.grant(999ms).empty());
  BOOST_TEST(core.grant(1000ms).size() == 2u); // the window slid
}

BOOST_AUTO_TEST_CASE(grants_follow_priority_then_arrival) {
  api_limits lim;
  lim.max_in_flight = 1;
  rate_limiter_core core(lim, 0ms);
  core.enqueue(req(1, 30), 0ms);
  core.enqueue(req(2, 10), 0ms);
  core.enqueue(req(3, 20), 0ms);
  core.enqueue(req(4, 10), 0ms);
  std::vector<uint64_t> order;
  for (int i = 0; i < 4; ++i) {
    auto g = core.grant(ms(i));
    BOOST_REQUIRE(g.size() == 1u);
    order.push_back(g[0]);
    core.release(g[0], {}, ms(i));
  }
  BOOST_TEST(order == (std::vector<uint64_t>{2, 4, 3, 1}));
}

BOOST_AUTO_TEST_CASE(aimd_halves_on_429_and_529_and_grows_after_successes) {
  api_limits lim;
  lim.max_in_flight = 8;
  lim.aimd_success_run = 5;
  rate_limiter_core core(lim, 0ms);
  uint64_t id = 1;
  auto finish = [&](int status) {
    core.enqueue(req(id, 1), 0ms);
    core.grant(ms(100000 * id));
    permit_result r;
    r.status = status;
    r.retry_after = 1ms;
    core.release(id, r, ms(100000 * id));
    ++id;
  };
  finish(429);
  BOOST_TEST(core.cap() == 4);
  finish(529);
  BOOST_TEST(core.cap() == 2);
  for (int i = 0; i < 4; ++i)
    finish(200);
  BOOST_TEST(core.cap() == 2);
  finish(200);
  BOOST_TEST(core.cap() == 3);
  finish(429);
  BOOST_TEST(core.cap() == 1);
  finish(429);
  BOOST_TEST(core.cap() == 1); // never below one
  BOOST_TEST(core.rejections() == 4);
}

BOOST_AUTO_TEST_CASE(a_429_pauses_every_grant_until_retry_after) {
  rate_limiter_core core({}, 0ms);
  core.enqueue(req(1, 1), 0ms);
  BOOST_TEST(core.grant(0ms).size() == 1u);
  permit_result r;
  r.status = 429;
  r.retry_after = 3000ms;
  core.release(1, r, 100ms);
  core.enqueue(req(2, 1), 100ms);
  core.enqueue(req(3, 0), 100ms);
  BOOST_TEST(core.grant(3099ms).empty());
  BOOST_TEST(core.next_wakeup(3099ms).value().count() == 3100);
  BOOST_TEST(core.grant(3100ms).size() == 2u);
}

BOOST_AUTO_TEST_CASE(limits_are_learned_from_headers) {
  rate_limiter_core core({}, 0ms); // nothing configured
  rate_headers h = parse_rate_headers({{"anthropic-ratelimit-requests-limit", "2"},
                                       {"anthropic-ratelimit-requests-remaining", "1"},
                                       {"anthropic-ratelimit-input-tokens-limit", "40000"},
                                       {"retry-after", "2"}});
  BOOST_TEST(*h.requests_limit == 2);
  BOOST_TEST(h.retry_after->count() == 2000);
  core.learn(h, 0ms);
  BOOST_TEST(core.limits().requests == 2);
  BOOST_TEST(core.limits().input_tokens == 40000);
  for (uint64_t i = 1; i <= 3; ++i)
    core.enqueue(req(i, 1), 0ms);
  BOOST_TEST(core.grant(1000ms).empty()); // paused by retry-after
  auto g = core.grant(2000ms);
  BOOST_TEST(g.size() == 1u); // the upstream said only one is left
  BOOST_TEST(core.grant(2001ms).empty());
  BOOST_TEST(core.grant(62000ms).size() == 2u); // a new window, the learned limit of 2
}

BOOST_AUTO_TEST_CASE(none_remaining_blocks_until_the_retry_after_and_says_when) {
  // A rejection saying 0 left: blocked until its retry-after (not a whole
  // window), and the limiter knows when to look again.
  rate_limiter_core core({}, 0ms);
  core.learn(
      parse_rate_headers({{"anthropic-ratelimit-requests-remaining", "0"}, {"retry-after", "4"}}),
      0ms);
  core.enqueue(req(1, 1), 100ms);
  BOOST_TEST(core.grant(100ms).empty());
  BOOST_REQUIRE(core.next_wakeup(100ms));
  BOOST_TEST(core.next_wakeup(100ms)->count() == 4000);
  BOOST_TEST(core.grant(4000ms).size() == 1u);
  // Without a retry-after it is the window; the wake-up says so too.
  rate_limiter_core c2({}, 0ms);
  c2.learn(parse_rate_headers({{"anthropic-ratelimit-requests-remaining", "0"}}), 0ms);
  c2.enqueue(req(1, 1), 0ms);
  BOOST_TEST(c2.grant(0ms).empty());
  BOOST_REQUIRE(c2.next_wakeup(0ms));
  BOOST_TEST(c2.next_wakeup(0ms)->count() == 60000);
  BOOST_TEST(c2.grant(60000ms).size() == 1u);
}
