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
  BOOST_TEST(approve(s, gated()));
  BOOST_TEST(s.flag("plan_review_complete"));
  BOOST_TEST(!approve(s, gated())); // twice: nothing changes, and it says so
  BOOST_TEST(approval_released(s, gated()).value() == "plan approved");
}

BOOST_AUTO_TEST_CASE(approve_needs_a_plan_and_a_live_story) {
  auto unplanned = story::parse("---\nid: S-0002\ntitle: T\nstatus: ready\n---\n",
                                "/board/.ai-sdlc/stories/S-0002/story.md");
  BOOST_CHECK_THROW(approve(unplanned, gated()), error);
  BOOST_TEST(!unplanned.has("plan_review_complete"));
  auto blocked = planned();
  blocked.set_string("status", "blocked");
  try {
    approve(blocked, gated());
    BOOST_FAIL("approved a blocked story");
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()).find("unblock S-0001") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(feedback_appends_ai_sdlcs_section_and_plans_again) {
  auto s = planned("plan_review_complete: true\n");
  give_feedback(s, "Use a queue, not a lock.", "2026-12-02T00:00:00.000Z", gated());
  BOOST_TEST(
      s.body() ==
      "body\n\n\n## Human Feedback (2026-12-02T00:00:00.000Z)\n\nUse a queue, not a lock.\n");
  BOOST_TEST(!s.flag("plan_complete"));
  BOOST_TEST(!s.flag("plan_review_complete"));
  BOOST_TEST(approval_released(s, gated()).value() == "feedback given: planning again");
  BOOST_CHECK_THROW(give_feedback(s, "  \n", "t", gated()), error);
}

BOOST_AUTO_TEST_CASE(feedback_after_implementation_keeps_the_flags) {
  auto s = planned("implementation_complete: true\n");
  give_feedback(s, "Also log it.", "t", gated());
  BOOST_TEST(s.flag("plan_complete"));
  BOOST_TEST(s.flag("implementation_complete"));
}

// reviewConfig.autoRestartOnRejection false: after a rejection the story waits;
// approve lets this rework go on (the next rejection waits again); feedback
// does too, with the text.
BOOST_AUTO_TEST_CASE(a_rejected_review_waits_for_a_person_when_auto_restart_is_off) {
  workflow_limits l;
  l.auto_restart = false;
  auto s = planned("retry_count: 1\nreview_history:\n  - decision: REJECTED\n");
  s.set_string("status", "in-progress");
  auto d = next_action(facts_of(s), l);
  BOOST_TEST((d.action == action_type::await_approval && d.gate == approval_gate::rework));
  BOOST_TEST(!approval_released(s, l).has_value());
  BOOST_TEST(approve(s, l));
  BOOST_TEST(s.number("rework_approved", 0) == 1);
  BOOST_TEST(approval_released(s, l).value() == "rework approved");
  BOOST_TEST((next_action(facts_of(s), l).action == action_type::rework));
  s.set_number("retry_count", 2); // rejected again
  BOOST_TEST((next_action(facts_of(s), l).action == action_type::await_approval));
  give_feedback(s, "Handle the empty list.", "t", l);
  BOOST_TEST(s.number("rework_approved", 0) == 2);
  BOOST_TEST(s.body().find("Handle the empty list.") != std::string::npos);
  l.auto_restart = true; // the default: no wait
  s.set_number("retry_count", 3);
  BOOST_TEST((next_action(facts_of(s), l).action == action_type::rework));
}

// reviewConfig.autoCompleteOnApproval false: an approved story waits to be
// accepted; approve makes it done, feedback sends it back to implement.
BOOST_AUTO_TEST_CASE(an_approved_story_waits_to_be_accepted_when_auto_complete_is_off) {
  workflow_limits l;
  l.auto_complete = false;
  auto s = planned("implementation_complete: true\nreviews_complete: true\n"
                   "review_history:\n  - decision: APPROVED\n");
  s.set_string("status", "in-progress");
  auto d = next_action(facts_of(s), l);
  BOOST_TEST((d.action == action_type::await_approval && d.gate == approval_gate::completion));
  auto again = s;
  BOOST_TEST(approve(s, l));
  BOOST_TEST(approval_released(s, l).value() == "accepted as done");
  BOOST_TEST((next_action(facts_of(s), l).action == action_type::move_to_done));
  give_feedback(again, "The button is still blue.", "t", l);
  BOOST_TEST(!again.flag("implementation_complete"));
  BOOST_TEST(approval_released(again, l).value() == "feedback given: implementing again");
  BOOST_TEST((next_action(facts_of(again), l).action == action_type::implement));
  l.create_pr = true; // a pull request is the person's gate (as in ai-sdlc)
  l.auto_complete = false;
  BOOST_TEST((next_action(facts_of(again), l).action == action_type::implement));
  again.set_bool("implementation_complete", true);
  again.set_bool("reviews_complete", true);
  BOOST_TEST((next_action(facts_of(again), l).action == action_type::create_pr));
}

BOOST_AUTO_TEST_SUITE_END()
