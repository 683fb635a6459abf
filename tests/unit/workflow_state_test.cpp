#define BOOST_TEST_MODULE workflow_state
#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_CASE(corpus_states_load) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "c");
  auto st = workflow_state::load(root / ".ai-sdlc/stories/S-0072");
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->completed_actions() ==
             (std::vector<std::string>{"research", "plan", "implement"}));
  BOOST_TEST(!st->interrupted().has_value());
  BOOST_TEST(st->content_hash().value_or("").size() == 64u);
  BOOST_TEST(!workflow_state::load(root / ".ai-sdlc/stories/S-0005").has_value());
}

BOOST_AUTO_TEST_CASE(checkpoints_round_trip_and_keep_unknown_fields) {
  test::temp_dir d;
  test::write(d.path / ".workflow-state.json",
              R"({"version":"1.0","workflowId":"w","timestamp":"t","currentAction":null,)"
              R"("completedActions":[],"context":{"custom":1},"extra":"kept"})");
  auto st = *workflow_state::load(d.path);
  st.start_action("plan", "S-1", d.path / "story.md");
  st.save(d.path);
  BOOST_TEST(workflow_state::load(d.path)->interrupted()->type == "plan");
  st.complete_action("plan", "S-1", d.path / "story.md");
  st.set_content_hash("abc");
  st.save(d.path);
  auto back = *workflow_state::load(d.path);
  BOOST_TEST(!back.interrupted().has_value());
  BOOST_TEST(back.completed_actions() == std::vector<std::string>{"plan"});
  BOOST_TEST(back.json()["extra"] == "kept");
  BOOST_TEST(back.json()["context"]["custom"] == 1);
  BOOST_TEST(*back.content_hash() == "abc");
}

// A failed action's attempts are counted in the file, across runs: each
// retry starts the same action again and keeps the count; finishing it, or
// starting another action, ends it. A failure is told from a kill.
BOOST_AUTO_TEST_CASE(failed_attempts_are_counted_until_the_action_finishes) {
  test::temp_dir d;
  const auto file = d.path / "story.md";
  auto st = workflow_state::fresh("S-1");
  st.start_action("research", "S-1", file);
  BOOST_TEST(st.record_failure("research", "S-1", file, "exit 1") == 1);
  st.save(d.path);
  auto cur = workflow_state::load(d.path)->interrupted();
  BOOST_REQUIRE(cur.has_value());
  BOOST_TEST(cur->failed);
  BOOST_TEST(cur->failed_attempts == 1);
  BOOST_TEST(workflow_state::load(d.path)->json()["currentAction"]["lastFailure"] == "exit 1");

  st = *workflow_state::load(d.path); // the next run
  st.start_action("research", "S-1", file);
  cur = st.interrupted();
  BOOST_TEST(!cur->failed); // running again: a kill now is an interruption
  BOOST_TEST(cur->failed_attempts == 1);
  BOOST_TEST(st.record_failure("research", "S-1", file, "exit 2") == 2);

  st.start_action("plan", "S-1", file); // another action: its own count
  BOOST_TEST(st.interrupted()->failed_attempts == 0);
  BOOST_TEST(st.record_failure("plan", "S-1", file, "x") == 1);
  st.complete_action("plan", "S-1", file);
  BOOST_TEST(!st.interrupted().has_value());
  // A failure with no action started (a checkpoint lost) still counts, whole.
  BOOST_TEST(st.record_failure("review", "S-1", file, "y") == 1);
  BOOST_TEST(st.json()["currentAction"]["storyId"] == "S-1");
}

// ai-sdlc refuses a checkpoint without context.sdlcRoot: ours name it, and
// one that ai-sdlc wrote keeps its own.
BOOST_AUTO_TEST_CASE(a_saved_checkpoint_names_its_sdlc_root_as_ai_sdlc_requires) {
  test::temp_dir d;
  const auto dir = d.path / ".ai-sdlc/stories/S-1";
  std::filesystem::create_directories(dir);
  workflow_state::fresh("S-1").save(dir);
  BOOST_TEST(workflow_state::load(dir)->json()["context"]["sdlcRoot"] ==
             (d.path / ".ai-sdlc").string());
  test::write(dir / ".workflow-state.json",
              R"({"version":"1.0","workflowId":"w","timestamp":"t","currentAction":null,)"
              R"("completedActions":[],"context":{"sdlcRoot":"/theirs"}})");
  auto theirs = *workflow_state::load(dir);
  theirs.save(dir);
  BOOST_TEST(workflow_state::load(dir)->json()["context"]["sdlcRoot"] == "/theirs");
}

BOOST_AUTO_TEST_CASE(corrupt_state_is_a_clear_error) {
  test::temp_dir d;
  test::write(d.path / ".workflow-state.json", "{not json");
  try {
    workflow_state::load(d.path);
    BOOST_FAIL("expected an error");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find(".workflow-state.json") != std::string::npos);
  }
  test::write(d.path / ".workflow-state.json", R"({"completedActions": {}})");
  BOOST_CHECK_THROW(workflow_state::load(d.path), sdlc::error);
}

BOOST_AUTO_TEST_CASE(legacy_global_state_moves_into_its_story) {
  test::temp_dir d;
  test::make_board(d.path, {{"S-0001", test::story_text("S-0001")}});
  auto legacy = d.path / ".ai-sdlc/.workflow-state.json";
  test::write(legacy,
              R"({"version":"1.0","workflowId":"w","timestamp":"t","currentAction":null,)"
              R"("completedActions":[{"type":"research","storyId":"S-0001"}],"context":{}})");
  board b(d.path, load_config(d.path, {}));
  auto moved = migrate_legacy_workflow_state(b);
  BOOST_TEST(moved.value_or("") == "S-0001");
  BOOST_TEST(!std::filesystem::exists(legacy));
  BOOST_TEST(std::filesystem::exists(legacy.string() + ".migrated"));
  auto st = workflow_state::load(d.path / ".ai-sdlc/stories/S-0001");
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->completed_actions() == std::vector<std::string>{"research"});
  BOOST_TEST(!migrate_legacy_workflow_state(b).has_value()); // idempotent
}
