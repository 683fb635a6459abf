// runtime/workflow/agent_problem as a table: which outcomes are failed attempts.
#include "runtime/workflow/agent_problem.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(agent_problem_suite)

BOOST_AUTO_TEST_CASE(problems_as_a_table) {
  auto ok = [] {
    agent_outcome o;
    o.exit_code = 0;
    o.saw_result = true;
    return o;
  };
  struct row {
    const char* name;
    agent_outcome o;
    bool command_agent;
    std::string transport;
    std::string expected; // a prefix of the problem; "" none
  };
  std::vector<row> rows;
  rows.push_back({"clean run", ok(), false, "", ""});
  auto o = ok();
  rows.push_back({"transport error wins", o, false, "executor: gone", "executor: gone"});
  o = ok();
  o.killed_reason = "killed after 600000 ms";
  rows.push_back({"watchdog", o, false, "", "killed after 600000 ms"});
  o = ok();
  o.signal = 9;
  rows.push_back({"signal", o, false, "", "agent killed by signal 9"});
  o = ok();
  o.exit_code = 1;
  o.api_error_status = 529;
  rows.push_back(
      {"exit code with API error", o, false, "", "agent exited with code 1 (API error 529)"});
  o = ok();
  o.exit_code = 1;
  o.is_error = true;
  o.result_text = "Not logged in · Please run /login";
  rows.push_back({"exit code with Claude's reason", o, false, "",
                  "agent exited with code 1: Not logged in · Please run /login"});
  o = ok();
  o.saw_result = false;
  rows.push_back({"claude without a result", o, false, "", "agent ended without a result"});
  rows.push_back({"command agent owes no result", o, true, "", ""});
  o = ok();
  o.is_error = true;
  o.result_text = "prompt is too long";
  rows.push_back({"reported error", o, false, "", "agent reported an error: prompt is too long"});
  for (const auto& r : rows) {
    auto p = problem_of(r.o, r.command_agent, r.transport);
    if (std::string(r.expected).empty())
      BOOST_TEST(p.empty(), r.name << ": " << p);
    else
      BOOST_TEST(p.rfind(r.expected, 0) == 0u, r.name << ": " << p);
  }
}

// What the agent said is cut to 300 bytes, never inside a character: the
// problem is written to the story file, which must stay valid UTF-8.
BOOST_AUTO_TEST_CASE(the_agents_words_are_cut_between_characters) {
  agent_outcome o;
  o.exit_code = 0;
  o.saw_result = true;
  o.is_error = true;
  o.result_text = std::string(299, 'x') + "\u00b7 and more";
  BOOST_TEST(problem_of(o, false, "") == "agent reported an error: " + std::string(299, 'x'));
  o.exit_code = 1;
  BOOST_TEST(problem_of(o, false, "") == "agent exited with code 1: " + std::string(299, 'x'));
}

BOOST_AUTO_TEST_CASE(a_check_passes_only_when_it_ended_by_itself_with_zero) {
  agent_outcome o;
  o.exit_code = 0;
  BOOST_TEST(check_passed(o));
  BOOST_TEST(!check_passed(o, "node lost"));
  o.killed_reason = "timeouts.testTimeout";
  BOOST_TEST(!check_passed(o));
  o.killed_reason.clear();
  o.exit_code = 2;
  BOOST_TEST(!check_passed(o));
}

BOOST_AUTO_TEST_SUITE_END()
