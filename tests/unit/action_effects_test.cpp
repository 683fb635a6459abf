// runtime/workflow/action_effects: what each finished action writes into the story.
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/workflow/review_decision.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(action_effects_suite)

BOOST_AUTO_TEST_CASE(sections_are_appended_in_place) {
  BOOST_TEST(append_section("# T\n", "Research", "found\n") == "# T\n\n## Research\n\nfound\n");
  auto body = "# T\n\n## Research\n\nfirst\n\n## Implementation Plan\n\nplan\n";
  BOOST_TEST(append_section(body, "Research", "second") ==
             "# T\n\n## Research\n\nfirst\n\nsecond\n\n## Implementation Plan\n\nplan\n");
  BOOST_TEST(append_section("# T", "Review Notes", "ok") == "# T\n\n## Review Notes\n\nok\n");
}

namespace {
story fresh(const std::string& extra = "") {
  return story::parse(test::story_text("S-0001", "ready", extra, "# T\n"), "f.md");
}
} // namespace

BOOST_AUTO_TEST_CASE(rejections_go_back_then_block) {
  auto s = fresh("research_complete: true\nplan_complete: true\nimplementation_complete: true\n");
  review_decision no{false, {{"major", "implementation", "missing test"}}};
  for (int i = 1; i <= 3; ++i) {
    BOOST_TEST(apply_review(s, no, "notes", 3) == "implement");
    BOOST_TEST(s.number("retry_count", 0) == i);
    BOOST_TEST(!s.flag("implementation_complete"));
    BOOST_TEST(to_string(next_action(facts_of(s), {}).action) == "rework");
    apply_rework(s);
    BOOST_TEST(to_string(next_action(facts_of(s), {}).action) == "review");
  }
  BOOST_TEST(apply_review(s, no, "notes", 3) == "blocked");
  BOOST_TEST(s.str("status") == "blocked");
  BOOST_TEST(s.str("blocked_reason").find("rejected 4 times") != std::string::npos);
  BOOST_TEST(s.frontmatter()["review_history"].size() == 4u);
  BOOST_TEST(s.body().find("## Review Notes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_plan_rejection_redoes_the_plan) {
  auto s = fresh("research_complete: true\nplan_complete: true\nimplementation_complete: true\n");
  apply_review(s, {false, {{"critical", "plan", "wrong approach"}}}, "n", 3);
  BOOST_TEST(s.flag("research_complete"));
  BOOST_TEST(!s.flag("plan_complete"));
  BOOST_TEST(to_string(next_action(facts_of(s), {}).action) == "plan");
  apply_review(s, {true, {}}, "fine", 3);
  BOOST_TEST(s.flag("reviews_complete"));
}

BOOST_AUTO_TEST_CASE(effects_of_each_action) {
  auto s = story::parse(test::story_text("S-0001", "backlog"), "f.md");
  apply_refine(s, "# Better\n\nbody\n");
  BOOST_TEST(s.body() == "# Better\n\nbody\n");
  BOOST_TEST(s.str("status") == "ready");
  apply_research(s, "R");
  apply_plan(s, "P");
  BOOST_TEST(s.flag("research_complete"));
  BOOST_TEST(s.flag("plan_complete"));
  BOOST_TEST(s.body().find("## Research\n\nR\n") != std::string::npos);
  apply_implement(s);
  BOOST_TEST(s.str("status") == "in-progress");
  apply_move_to_done(s);
  BOOST_TEST(s.str("status") == "done");
}

BOOST_AUTO_TEST_SUITE_END()
