// runtime/remote/node_environment: the node's own environment, the run's
// agent settings over it, the orchestrator's gateway swapped for the node's.
#include "runtime/remote/node_environment.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(node_environment_suite)

BOOST_AUTO_TEST_CASE(own_environment_then_agent_settings_then_the_rest) {
  env_vars job = {{"PATH", "/orchestrator/bin"},
                  {"HOME", "/home/orch"},
                  {"SDLC_STORY_ID", "S-0001"},
                  {"ANTHROPIC_BASE_URL", "http://127.0.0.1:1111/s/S-0001/plan"},
                  {"ANTHROPIC_CUSTOM_HEADERS", "x-sdlc-token: runtoken"},
                  {"ONLY_THE_RUN_HAS", "yes"}};
  env_vars own = {{"PATH", "/node/bin"}, {"HOME", "/home/node"}, {"SDLC_STORY_ID", "stale"}};
  auto env = node_environment(
      job, own, {"http://127.0.0.1:1111", "http://127.0.0.1:2222", "runtoken", "nodetoken"});
  BOOST_TEST(env["PATH"] == "/node/bin"); // this machine's
  BOOST_TEST(env["HOME"] == "/home/node");
  BOOST_TEST(env["SDLC_STORY_ID"] == "S-0001"); // the run's agent setting wins
  BOOST_TEST(env["ONLY_THE_RUN_HAS"] == "yes"); // what this machine lacks
  BOOST_TEST(env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:2222/s/S-0001/plan");
  BOOST_TEST(env["ANTHROPIC_CUSTOM_HEADERS"] == "x-sdlc-token: nodetoken");
}

BOOST_AUTO_TEST_SUITE_END()
