// runtime/land/pull_request: the pure parts — which lane a remote asks for,
// what gh's checks mean for merging, a PR's number, and its body.
#include "runtime/land/pull_request.hpp"
#include "runtime/util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_CASE(the_target_follows_the_setting_then_the_remote) {
  using T = landing_target;
  BOOST_TEST((landing_target_of("local", "https://github.com/a/b.git", "") == T::local));
  BOOST_TEST((landing_target_of("github", "/srv/git/b.git", "") == T::github));
  BOOST_TEST((landing_target_of("auto", "https://github.com/a/b.git", "") == T::github));
  BOOST_TEST((landing_target_of("auto", "git@github.com:a/b.git", "") == T::github));
  BOOST_TEST((landing_target_of("auto", "ssh://git@GitHub.com/a/b", "") == T::github));
  BOOST_TEST((landing_target_of("auto", "https://git.corp/a/b", "git.corp") == T::github));
  BOOST_TEST((landing_target_of("auto", "https://gitlab.com/a/b.git", "") == T::local));
  BOOST_TEST((landing_target_of("auto", "", "") == T::local));
}

BOOST_AUTO_TEST_CASE(checks_are_sorted_by_what_they_mean_for_merging) {
  auto c = parse_pr_checks(R"([
    {"name":"build","state":"SUCCESS","bucket":"pass"},
    {"name":"docs","state":"SKIPPED","bucket":"skipping"},
    {"name":"unit","state":"FAILURE","bucket":"fail"},
    {"name":"e2e","state":"IN_PROGRESS","bucket":"pending"},
    {"name":"old gh","state":"ERROR"},
    {"name":"queued","state":"QUEUED"},
    {"name":"neutral","state":"NEUTRAL"}])");
  BOOST_TEST(c.passed == (std::vector<std::string>{"build", "docs", "neutral"}),
             boost::test_tools::per_element());
  BOOST_TEST(c.failed == (std::vector<std::string>{"unit", "old gh"}),
             boost::test_tools::per_element());
  BOOST_TEST(c.pending == (std::vector<std::string>{"e2e", "queued"}),
             boost::test_tools::per_element());
  BOOST_TEST(parse_pr_checks("[]").passed.empty());
  BOOST_CHECK_THROW(parse_pr_checks("no checks reported"), error);
  BOOST_CHECK_THROW(parse_pr_checks(R"({"name":"x"})"), error);
}

BOOST_AUTO_TEST_CASE(a_pull_request_number_comes_from_its_url) {
  BOOST_TEST(pr_number_of("https://github.com/acme/demo/pull/42").value_or(0) == 42);
  BOOST_TEST(pr_number_of("https://github.com/acme/demo/pull/7/files").value_or(0) == 7);
  BOOST_TEST(!pr_number_of("https://github.com/acme/demo/issues/7"));
  BOOST_TEST(!pr_number_of(""));
}

BOOST_AUTO_TEST_CASE(the_body_has_summary_criteria_review_and_cost) {
  auto s =
      story::parse("---\nid: S-0007\ntitle: Parse dates\nslug: parse-dates\nstatus: done\n"
                   "review_history:\n  - decision: APPROVED\n    feedback: All reviews passed\n"
                   "---\n# Parse dates\n\nDates in ISO form are read.\n\n"
                   "## Acceptance Criteria\n\n- [ ] 2026-12-02 parses\n\n## Notes\n\nx\n",
                   "story.md");
  auto body = pr_body(s, 1.234);
  BOOST_TEST(body.find("## Summary\n\nDates in ISO form are read.") != std::string::npos, body);
  BOOST_TEST(body.find("## Acceptance criteria\n\n- [ ] 2026-12-02 parses") != std::string::npos,
             body);
  BOOST_TEST(body.find("## Notes") == std::string::npos, body);
  BOOST_TEST(body.find("APPROVED — All reviews passed") != std::string::npos, body);
  BOOST_TEST(body.find("$1.23") != std::string::npos, body);
  BOOST_TEST(pr_title(s) == "S-0007: Parse dates");
}
