// runtime/agent/agent_command: the agent's argv, environment and prompts.
#include "runtime/agent/agent_command.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(agent_command_suite)

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
  req.board_mark = "host:/p/.ai-sdlc";
  auto spec = build_agent_spawn(req, cfg);
  BOOST_TEST(spec.argv == (std::vector<std::string>{"/bin/sh", "-c", "./my-agent --fast"}));
  BOOST_TEST(spec.env.at("SDLC_BOARD") == "host:/p/.ai-sdlc"); // leftover_agents finds it by it
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

BOOST_AUTO_TEST_SUITE_END()
