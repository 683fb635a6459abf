// runtime/workflow/transitions: unblock returns a story to where it was
// (ready, or in-progress once planned), clears the reason, optionally the
// retry counters; block records the reason. Refused when not blocked.
#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/transitions.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
story parse_story(const std::string& extra) {
  return story::parse("---\nid: S-0001\ntitle: T\nstatus: blocked\n" + extra + "---\nbody\n",
                      "/board/.ai-sdlc/stories/S-0001/story.md");
}
} // namespace

BOOST_AUTO_TEST_SUITE(unblock_suite)

BOOST_AUTO_TEST_CASE(unblock_returns_to_ready_or_in_progress) {
  auto s = parse_story("blocked_reason: review failed\nlast_error: boom\nretry_count: 3\n");
  unblock(s, false);
  BOOST_TEST(s.str("status") == "ready");
  BOOST_TEST(!s.has("blocked_reason"));
  BOOST_TEST(!s.has("last_error"));
  BOOST_TEST(s.number("retry_count", -1) == 3); // kept without --reset-retries
  auto planned = parse_story("plan_complete: true\nretry_count: 3\nrefinement_count: 2\n");
  unblock(planned, true);
  BOOST_TEST(planned.str("status") == "in-progress");
  BOOST_TEST(planned.number("retry_count", -1) == 0);
  BOOST_TEST(planned.number("refinement_count", -1) == 0);
}

BOOST_AUTO_TEST_CASE(only_a_blocked_story_unblocks) {
  auto s = story::parse("---\nid: S-0002\ntitle: T\nstatus: ready\n---\n",
                        "/board/.ai-sdlc/stories/S-0002/story.md");
  BOOST_CHECK_THROW(unblock(s, false), error);
  block(s, "needs a person");
  BOOST_TEST(s.str("status") == "blocked");
  BOOST_TEST(s.str("blocked_reason") == "needs a person");
}

BOOST_AUTO_TEST_SUITE_END()
