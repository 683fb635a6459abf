// runtime/schedule/recommended_action: ai-sdlc's step mode — which story's
// action a bare `run` takes, and which flags make a run one action.
#include "runtime/config/config.hpp"
#include "runtime/schedule/recommended_action.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

std::vector<std::string> order_of(const std::map<std::string, std::string>& stories) {
  test::temp_dir d;
  test::make_board(d.path, stories);
  board b(d.path, load_config(d.path, {}));
  std::vector<std::string> out;
  for (const auto& r : recommended_actions(b.scan(), workflow_limits{}))
    out.push_back(r.id + ":" + std::string(to_string(r.action)));
  return out;
}

std::string with_priority(std::string text, int priority) {
  const std::string from = "priority: 10";
  return text.replace(text.find(from), from.size(), "priority: " + std::to_string(priority));
}

} // namespace

BOOST_AUTO_TEST_SUITE(recommended_action_suite)

BOOST_AUTO_TEST_CASE(in_progress_then_ready_then_backlog_then_priority) {
  auto order = order_of({
      {"S-0001", test::story_text("S-0001", "backlog")},
      {"S-0002", with_priority(test::story_text("S-0002", "ready"), 20)},
      {"S-0003", with_priority(test::story_text("S-0003", "ready"), 5)},
      {"S-0004",
       test::story_text("S-0004", "in-progress", "research_complete: true\nplan_complete: true\n")},
      {"S-0005", test::story_text("S-0005", "done")},
      {"S-0006", test::story_text("S-0006", "blocked")},
  });
  std::vector<std::string> want = {"S-0004:implement", "S-0003:research", "S-0002:research",
                                   "S-0001:refine"};
  BOOST_TEST(order == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(stories_waiting_for_a_dependency_or_a_person_have_none) {
  auto order = order_of({
      {"S-0001", test::story_text("S-0001", "ready")},
      {"S-0002", test::story_text("S-0002", "ready", "dependencies: [S-0001]\n")},
      {"S-0003", test::story_text("S-0003", "ready", "dependencies: [S-0009]\n")},
  });
  std::vector<std::string> want = {"S-0001:research"};
  BOOST_TEST(order == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(which_flags_make_one_action) {
  struct row {
    run_mode_flags flags;
    bool one_action;
  };
  const std::vector<row> table = {
      {{0, false, false, {}}, true},       // bare run
      {{1, false, false, {}}, true},       // --story X
      {{1, true, false, {}}, false},       // --auto --story X
      {{0, true, false, {}}, false},       // --auto
      {{2, false, false, {}}, false},      // --story X --story Y
      {{1, false, true, {}}, false},       // --story X --concurrent 2, --batch, ...
      {{0, true, false, {"plan"}}, true},  // --auto --step plan: an action each
      {{1, false, false, {"Plan"}}, true}, // --story X --step Plan
  };
  for (const auto& r : table)
    BOOST_TEST(run_mode_of(r.flags).one_action == r.one_action);
  BOOST_TEST((run_mode_of({0, false, false, {"Review"}}).step == action_type::review));
  BOOST_CHECK_THROW(run_mode_of({0, false, false, {"deploy"}}), sdlc::error);
  BOOST_CHECK_THROW(run_mode_of({0, false, false, {"rework"}}), sdlc::error); // not ai-sdlc's
  BOOST_CHECK_THROW(run_mode_of({1, true, false, {"plan"}}), sdlc::error);
  BOOST_CHECK_THROW(run_mode_of({0, false, true, {"plan"}}), sdlc::error);
}

BOOST_AUTO_TEST_SUITE_END()
