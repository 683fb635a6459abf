// runtime/workflow/review_decision: the review's verdict and where a rejection goes back to.
#include "runtime/workflow/review_decision.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(review_decision_suite)

BOOST_AUTO_TEST_CASE(review_decisions) {
  auto fenced =
      parse_review_decision("Looks good.\n```json\n{\"passed\": true, \"issues\": []}\n```\n");
  BOOST_REQUIRE(fenced);
  BOOST_TEST(fenced->passed);
  auto inline_obj = parse_review_decision(
      R"(Verdict: {"passed": false, "issues": [{"severity": "critical", "category": "plan", "description": "no {braces} plan"}]} done)");
  BOOST_REQUIRE(inline_obj);
  BOOST_TEST(!inline_obj->passed);
  BOOST_TEST(inline_obj->issues.at(0).description == "no {braces} plan");
  // The format example quoted first, the real verdict last: the last fence wins.
  auto two = parse_review_decision(
      "```json\n{\"passed\": true}\n```\nactually:\n```json\n{\"passed\": false}\n```");
  BOOST_TEST(!two->passed);
  BOOST_TEST(!parse_review_decision("I think it is fine.").has_value());
  BOOST_TEST(!parse_review_decision("```json\n{\"passed\": \"yes\"}\n```").has_value());
  BOOST_TEST(!parse_review_decision("{\"approved\": true}").has_value());
}

BOOST_AUTO_TEST_CASE(rework_targets) {
  auto issue = [](const char* sev, const char* cat) { return review_issue{sev, cat, "x"}; };
  BOOST_TEST(rework_target({issue("major", "implementation")}) == "implement");
  BOOST_TEST(rework_target({issue("major", "testing"), issue("critical", "plan")}) == "plan");
  BOOST_TEST(rework_target({issue("blocker", "requirements"), issue("major", "plan")}) ==
             "research");
  BOOST_TEST(rework_target({issue("minor", "requirements")}) == "implement");
  BOOST_TEST(rework_target({}) == "implement");
}

BOOST_AUTO_TEST_SUITE_END()
