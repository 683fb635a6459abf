// runtime/workflow/approval: approve sets ai-sdlc's plan_review_complete and
// only once there is a plan; feedback appends ai-sdlc's section and sends the
// plan back; a held story is released by either, and by nothing else.
#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/approval.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
story planned(const std::string& extra = "") {
  return story::parse("---\nid: S-0001\ntitle: T\nstatus: ready\nresearch_complete: true\n"
                      "plan_complete: true\n" +
                          extra + "---\nbody\n",
                      "/board/.ai-sdlc/stories/S-0001/story.md");
}
workflow_limits gated() {
  workflow_limits l;
  l.require_plan_approval = true;
  return l;
}
} // namespace

BOOST_AUTO_TEST_SUITE(approval_suite)

BOOST_AUTO_TEST_CASE(approve_sets_the_field_ai_sdlc_sets) {
  auto s = planned();
  BOOST_TEST(!approval_released(s, gated()).has_value());
  BOOST_TEST(approve(s));
  BOOST_TEST(s.flag("plan_review_complete"));
  BOOST_TEST(!approve(s)); // twice: nothing changes, and it says so
  BOOST_TEST(approval_released(s, gated()).value() == "plan approved");
}

BOOST_AUTO_TEST_CASE(approve_needs_a_plan_and_a_live_story) {
  auto unplanned = story::parse("---\nid: S-0002\ntitle: T\nstatus: ready\n---\n",
                                "/board/.ai-sdlc/stories/S-0002/story.md");
  BOOST_CHECK_THROW(approve(unplanned), error);
  BOOST_TEST(!unplanned.has("plan_review_complete"));
  auto blocked = planned();
  blocked.set_string("status", "blocked");
  try {
    approve(blocked);
    BOOST_FAIL("approved a blocked story");
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()).find("unblock S-0001") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(feedback_appends_ai_sdlcs_section_and_plans_again) {
  auto s = planned("plan_review_complete: true\n");
  give_feedback(s, "Use a queue, not a lock.", "2026-12-02T00:00:00.000Z");
  BOOST_TEST(
      s.body() ==
      "body\n\n\n## Human Feedback (2026-12-02T00:00:00.000Z)\n\nUse a queue, not a lock.\n");
  BOOST_TEST(!s.flag("plan_complete"));
  BOOST_TEST(!s.flag("plan_review_complete"));
  BOOST_TEST(approval_released(s, gated()).value() == "feedback given: planning again");
  BOOST_CHECK_THROW(give_feedback(s, "  \n", "t"), error);
}

BOOST_AUTO_TEST_CASE(feedback_after_implementation_keeps_the_flags) {
  auto s = planned("implementation_complete: true\n");
  give_feedback(s, "Also log it.", "t");
  BOOST_TEST(s.flag("plan_complete"));
  BOOST_TEST(s.flag("implementation_complete"));
}

BOOST_AUTO_TEST_SUITE_END()
