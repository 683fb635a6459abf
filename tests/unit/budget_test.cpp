#define BOOST_TEST_MODULE budget
// Prices, budgets, parking and auto-scaling: the pure decisions of issue 5.
#include "runtime/api/api_settings.hpp"
#include "runtime/api/budget.hpp"
#include "runtime/api/pricing.hpp"
#include "runtime/schedule/concurrency_scaler.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(prices_by_longest_model_prefix) {
  auto t = price_table::load();
  api_usage u;
  u.input = 1'000'000;
  u.output = 1'000'000;
  // Sonnet 4.x: $3 in + $15 out per million.
  BOOST_TEST(t.cost("claude-sonnet-4-5-20250929", u) == 18.0, boost::test_tools::tolerance(1e-9));
  // opus-4-5 is listed apart from opus-4 (longest prefix wins): $5 + $25.
  BOOST_TEST(t.cost("claude-opus-4-5-20251101", u) == 30.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(t.cost("claude-opus-4-1-20250805", u) == 90.0, boost::test_tools::tolerance(1e-9));
  api_usage cached;
  cached.cache_read = 1'000'000;
  cached.cache_creation = 1'000'000;
  BOOST_TEST(t.cost("claude-haiku-4-5", cached) == 1.35, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(!t.knows("some-other-model"));
  BOOST_TEST(t.cost("some-other-model", u) == 18.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_project_price_file_overrides_and_bad_ones_name_the_key) {
  auto t = price_table::parse("models:\n  claude-sonnet-4: {input: 1, output: 2}\n", "p.yaml");
  api_usage u;
  u.input = 2'000'000;
  BOOST_TEST(t.cost("claude-sonnet-4-5", u) == 2.0, boost::test_tools::tolerance(1e-9));
  try {
    price_table::parse("models:\n  m: {input: cheap}\n", "p.yaml");
    BOOST_FAIL("accepted a price that is not a number");
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()).find("p.yaml: models.m.input") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(story_and_run_budgets) {
  budget_limits b;
  BOOST_TEST(!story_over_budget("S-1", 1e9, b)); // no budget: never over
  b.story_usd = 0.50;
  b.run_usd = 2.0;
  BOOST_TEST(!story_over_budget("S-1", 0.49, b));
  auto why = story_over_budget("S-1", 0.50, b);
  BOOST_REQUIRE(why);
  BOOST_TEST(why->find("S-1") != std::string::npos);
  BOOST_TEST(why->find("limits.maxCostUsd.story") != std::string::npos);
  BOOST_TEST(*action_budget(0.20, b) == 0.30, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(*action_budget(0.70, b) == 0.0);
  BOOST_TEST(!run_over_budget(1.99, b));
  BOOST_TEST(run_over_budget(2.0, b)->find("limits.maxCostUsd.run") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(budget_config_is_checked) {
  auto ok = YAML::Load("maxCostUsd: {story: 1.5, run: null}");
  auto b = budget_from_config(ok);
  BOOST_TEST(*b.story_usd == 1.5);
  BOOST_TEST(!b.run_usd);
  auto bad = YAML::Load("maxCostUsd: {story: lots}");
  try {
    budget_from_config(bad);
    BOOST_FAIL("accepted a budget that is not an amount");
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()).find("limits.maxCostUsd.story") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(parking_only_for_a_reset_still_ahead) {
  BOOST_TEST(!park_until(1000, 0, 0));
  BOOST_TEST(!park_until(1000, 900, 0)); // the gateway's park is over
  BOOST_TEST(*park_until(1000, 5000, 0) == 5000);
  BOOST_TEST(*park_until(1000, 5000, 9000) == 9000); // the CLI's reset is later
}

BOOST_AUTO_TEST_CASE(scaler_steps_down_under_queueing_and_back_up_when_idle) {
  concurrency_scaler s(4, 5000ms, 15000ms);
  BOOST_TEST(s.observe(0ms, 0ms) == 4);
  BOOST_TEST(s.observe(1000ms, 2000ms) == 4); // short waits: no change
  BOOST_TEST(s.observe(6000ms, 6000ms) == 3); // a permit waited 6 s
  BOOST_TEST(s.observe(7000ms, 7000ms) == 3); // one step per queued_for
  BOOST_TEST(s.observe(11000ms, 8000ms) == 2);
  BOOST_TEST(s.observe(16000ms, 9000ms) == 1);
  BOOST_TEST(s.observe(30000ms, 20000ms) == 1); // never below 1
  BOOST_TEST(s.observe(40000ms, 0ms) == 1);     // idle for 10 s only
  BOOST_TEST(s.observe(45001ms, 0ms) == 2);     // idle for 15 s: one more
  BOOST_TEST(s.observe(50000ms, 0ms) == 2);
  BOOST_TEST(s.observe(60002ms, 0ms) == 3);
  BOOST_TEST(s.observe(75003ms, 0ms) == 4);
  BOOST_TEST(s.observe(99999ms, 0ms) == 4); // never above the user's --concurrent
}

BOOST_AUTO_TEST_CASE(usage_adds_up_per_action_and_survives_a_reload) {
  auto dir = std::filesystem::temp_directory_path() / ("sdlc-usage-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto st = workflow_state::fresh("S-0001");
  api_usage u;
  u.input = 100;
  u.output = 10;
  u.calls = 2;
  u.cost_usd = 0.25;
  st.add_usage("refine", u);
  st.add_usage("implement", u);
  st.add_usage("implement", u);
  st.save(dir);
  auto back = workflow_state::load(dir);
  BOOST_REQUIRE(back);
  BOOST_TEST(back->usage_total().cost_usd == 0.75, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(back->usage_total().calls == 6);
  BOOST_TEST(back->usage_of("implement").input == 200);
  BOOST_TEST(back->usage_of("review").calls == 0);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(api_settings_from_the_defaults) {
  YAML::Node t;
  t["api"]["limits"]["requests"] = 50;
  t["api"]["limits"]["inputTokens"] = 0;
  t["api"]["limits"]["outputTokens"] = 0;
  t["api"]["limits"]["windowMs"] = 60000;
  t["api"]["limits"]["maxInFlight"] = 4;
  t["api"]["shareLimits"] = false;
  t["api"]["retry"]["maxAttempts"] = 6;
  t["api"]["retry"]["backoffMs"] = 100;
  t["api"]["parkThresholdMs"] = 1000;
  t["api"]["autoScale"]["queuedMs"] = 10;
  t["api"]["autoScale"]["idleMs"] = 20;
  auto a = api_settings_from(t);
  BOOST_TEST(a.limits.requests == 50);
  BOOST_TEST(a.limits.max_in_flight == 4);
  BOOST_TEST(a.max_attempts == 1); // no shared limits: the gateway does not retry either
  BOOST_TEST(a.park_threshold.count() == 1000);
}
