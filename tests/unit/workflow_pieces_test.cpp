#define BOOST_TEST_MODULE workflow_pieces
// The pure pieces of the workflow: review verdicts, rework targets, sections,
// the effects of each action, the watchdog, prompts and agent argv.
#include "runtime/agent/agent_command.hpp"
#include "runtime/agent/watchdog.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/workflow/review_decision.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace sdlc;
using namespace std::chrono_literals;

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

BOOST_AUTO_TEST_CASE(claude_invocation) {
  ::setenv("CLAUDECODE", "1", 1);
  test::temp_dir d;
  auto cfg = load_config(d.path, {{"SDLC_CONFIG__AGENT__MAX_TURNS", "7"}});
  agent_request req;
  req.story_id = "S-0001";
  req.action = "plan";
  req.prompt = "do it";
  req.cwd = d.path;
  req.session_id = new_session_id();
  req.gateway_base = "http://127.0.0.1:9";
  req.gateway_token = "tok";
  auto spec = build_agent_spawn(req, cfg);
  std::vector<std::string> expected = {"claude",
                                       "-p",
                                       "do it",
                                       "--output-format",
                                       "stream-json",
                                       "--verbose",
                                       "--permission-mode",
                                       "acceptEdits",
                                       "--session-id",
                                       req.session_id,
                                       "--max-turns",
                                       "7"};
  BOOST_TEST(spec.argv == expected, boost::test_tools::per_element());
  BOOST_TEST(spec.env.count("CLAUDECODE") == 0u);
  BOOST_TEST(spec.env.at("ANTHROPIC_BASE_URL") == "http://127.0.0.1:9/s/S-0001/plan");
  BOOST_TEST(spec.env.at("ANTHROPIC_CUSTOM_HEADERS") == "x-sdlc-token: tok");
  BOOST_TEST(spec.env.at("SDLC_STORY_ID") == "S-0001");
  BOOST_TEST(req.session_id.size() == 36u);
  BOOST_TEST(req.session_id[14] == '4');
  BOOST_TEST(new_session_id() != req.session_id);
}

BOOST_AUTO_TEST_CASE(command_agent_and_prompts) {
  test::temp_dir d;
  test::write(d.path / ".ai-sdlc.yaml", "agent:\n  command: ./my-agent --fast\n");
  auto cfg = load_config(d.path, {});
  agent_request req;
  req.story_id = "S-0002";
  req.action = "implement";
  req.cwd = d.path;
  req.prompt_file = d.path / "p.md";
  auto spec = build_agent_spawn(req, cfg);
  BOOST_TEST(spec.argv == (std::vector<std::string>{"/bin/sh", "-c", "./my-agent --fast"}));
  BOOST_TEST(spec.env.at("SDLC_PROMPT_FILE") == (d.path / "p.md").string());
  BOOST_TEST(spec.env.at("SDLC_ACTION") == "implement");
  BOOST_TEST(spec.env.at("SDLC_WORKTREE") == d.path.string());

  auto builtin = render_prompt(d.path / ".ai-sdlc", "plan", {{"story_id", "S-9"}, {"title", "T"}});
  BOOST_TEST(builtin.find("Story S-9: T") != std::string::npos);
  test::write(d.path / ".ai-sdlc/prompts/plan.md", "Custom {{story_id}} {{unknown}}");
  BOOST_TEST(render_prompt(d.path / ".ai-sdlc", "plan", {{"story_id", "S-9"}}) ==
             "Custom S-9 {{unknown}}");
  BOOST_CHECK_THROW(render_prompt(d.path / ".ai-sdlc", "deploy", {}), sdlc::error);
}

BOOST_AUTO_TEST_CASE(which_interrupted_actions_resume_their_session) {
  using sdlc::should_resume;
  BOOST_TEST(should_resume("research", "research", true, false));
  BOOST_TEST(should_resume("review", "review", true, false));
  BOOST_TEST(!should_resume("implement", "implement", true, false)); // restarts from the commit
  BOOST_TEST(!should_resume("rework", "rework", true, false));
  BOOST_TEST(!should_resume("plan", "research", true, false)); // another action
  BOOST_TEST(!should_resume("plan", "plan", false, false));    // no session kept
  BOOST_TEST(!should_resume("plan", "plan", true, true));      // command agents
}
