// runtime/schedule/run_plan: which stories a run takes under each
// selection, what it leaves out and why, and what it cannot read.
#include "runtime/schedule/run_plan.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

using namespace sdlc;

namespace {

struct plan_fixture {
  test::temp_dir d;
  plan_fixture() {
    test::make_board(d.path,
                     {{"S-0001", test::story_text("S-0001", "ready", "labels: [api]\n")},
                      {"S-0002", test::story_text("S-0002", "in-progress",
                                                  "plan_complete: true\ndependencies: [S-0001]\n")},
                      {"S-0003", test::story_text("S-0003", "backlog")},
                      {"S-0004", test::story_text("S-0004", "done")},
                      {"S-0005", test::story_text("S-0005", "blocked")},
                      {"S-0006", test::story_text("S-0006", "ready", "dependencies: [S-0005]\n")}});
  }
  run_plan plan(const run_selection& sel) {
    board b(d.path, load_config(d.path, {}));
    return make_run_plan(b, sel);
  }
};

std::vector<std::string> ids_of(const run_plan& p) {
  std::vector<std::string> out;
  for (const auto& it : p.items)
    out.push_back(it.id);
  return out;
}

bool skipped(const run_plan& p, const std::string& id, const std::string& why) {
  for (const auto& [sid, reason] : p.skipped)
    if (sid == id && reason.find(why) != std::string::npos) return true;
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(run_plan_suite)

BOOST_FIXTURE_TEST_CASE(default_selection_is_ready_and_in_progress, plan_fixture) {
  auto p = plan({});
  BOOST_TEST(ids_of(p) == (std::vector<std::string>{"S-0001", "S-0002"}));
  // S-0006 is ready but waits on a blocked story not in the run: it could never start.
  BOOST_TEST(skipped(p, "S-0006", "depends on S-0005, which is blocked"));
  BOOST_TEST(p.items[1].depends_on == (std::vector<std::string>{"S-0001"}));
  BOOST_TEST(p.expected_actions["S-0001"] == 4); // research, plan, implement, review
  BOOST_TEST(p.expected_actions["S-0002"] == 3); // planned already
}

BOOST_FIXTURE_TEST_CASE(backlog_auto_labels_and_explicit_ids, plan_fixture) {
  run_selection backlog;
  backlog.include_backlog = true;
  BOOST_TEST(ids_of(plan(backlog)).size() == 3u);
  BOOST_TEST(plan(backlog).expected_actions["S-0003"] == 5); // refine first
  run_selection labelled;
  labelled.labels = {"api"};
  BOOST_TEST(ids_of(plan(labelled)) == (std::vector<std::string>{"S-0001"}));
  run_selection explicit_ids;
  explicit_ids.story_ids = {"S-0004", "s-0001"};
  auto p = plan(explicit_ids);
  BOOST_TEST(ids_of(p) == (std::vector<std::string>{"S-0001"}));
  BOOST_TEST(skipped(p, "S-0004", "it is done"));
  explicit_ids.priority_overrides = {{"S-0001", 1}};
  BOOST_TEST(plan(explicit_ids).items[0].priority == 1);
}

// A story leaves the plan when it waits, directly or through others, for a
// story the run cannot finish; the chain here runs against id order, which
// took the old passes several rounds. Each is named by a dependency of its
// own, the one never in the plan (the cause) before one that left it.
BOOST_AUTO_TEST_CASE(stories_waiting_on_a_story_out_of_the_run_leave_it_naming_the_cause) {
  test::temp_dir d;
  auto with = [](const char* deps) { return fmt::format("dependencies: [{}]\n", deps); };
  test::make_board(d.path, {{"S-0010", test::story_text("S-0010", "ready", with("S-0012"))},
                            {"S-0011", test::story_text("S-0011", "ready", with("S-0010, S-0013"))},
                            {"S-0012", test::story_text("S-0012", "ready", with("S-0013"))},
                            {"S-0013", test::story_text("S-0013", "backlog")},
                            {"S-0014", test::story_text("S-0014", "ready", with("S-0011"))},
                            {"S-0015", test::story_text("S-0015", "ready", with("S-0016"))},
                            {"S-0016", test::story_text("S-0016", "done")}});
  board b(d.path, load_config(d.path, {}));
  auto p = make_run_plan(b, {});
  BOOST_TEST(ids_of(p) == std::vector<std::string>{"S-0015"});
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"S-0010", "it depends on S-0012, which is ready and not in this run"},
      {"S-0011", "it depends on S-0013, which is backlog and not in this run"},
      {"S-0012", "it depends on S-0013, which is backlog and not in this run"},
      {"S-0014", "it depends on S-0011, which is ready and not in this run"}};
  BOOST_REQUIRE(p.skipped.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(p.skipped[i].first == expected[i].first);
    BOOST_TEST(p.skipped[i].second == expected[i].second);
  }
}

BOOST_FIXTURE_TEST_CASE(unreadable_and_missing_dependencies, plan_fixture) {
  test::write(d.path / ".ai-sdlc/stories/S-0007/story.md", "---\nid: S-0007\ntitle: [x\n---\n");
  auto p = plan({});
  BOOST_REQUIRE(p.unreadable.size() == 1u);
  BOOST_TEST(p.unreadable[0].file.string().find("S-0007") != std::string::npos);
  test::write(d.path / ".ai-sdlc/stories/S-0007/story.md",
              test::story_text("S-0007", "ready", "dependencies: [S-0999]\n"));
  BOOST_CHECK_THROW(plan({}), error);
}

BOOST_AUTO_TEST_CASE(an_epic_is_its_field_or_a_label_as_ai_sdlc_decides) {
  auto with = [](const std::string& extra) {
    return story::parse("---\nid: S-0001\ntitle: T\nstatus: ready\n" + extra + "---\n",
                        "/b/.ai-sdlc/stories/S-0001/story.md");
  };
  BOOST_TEST(in_epic(with("labels: [epic-pay]\n"), "pay"));
  BOOST_TEST(in_epic(with("labels: [epic-pay]\n"), "epic-pay")); // both spellings
  BOOST_TEST(in_epic(with("epic: pay\n"), "pay"));
  BOOST_TEST(in_epic(with("epic: epic-pay\n"), "epic-pay"));
  BOOST_TEST(in_epic(with("labels: [epic-pay]\n"), "p*")); // ai-sdlc's patterns
  BOOST_TEST(!in_epic(with("labels: [epic-payroll]\n"), "pay"));
  BOOST_TEST(!in_epic(with("labels: [pay]\n"), "pay"));
  BOOST_TEST(!in_epic(with("epic: other\n"), "pay"));
  BOOST_TEST(!in_epic(with(""), "pay"));
}

BOOST_FIXTURE_TEST_CASE(an_epic_takes_its_unfinished_stories_backlog_included, plan_fixture) {
  test::write(d.path / ".ai-sdlc/stories/S-0003/story.md",
              test::story_text("S-0003", "backlog", "epic: pay\n"));
  test::write(d.path / ".ai-sdlc/stories/S-0004/story.md",
              test::story_text("S-0004", "done", "labels: [epic-pay]\n"));
  test::write(d.path / ".ai-sdlc/stories/S-0001/story.md",
              test::story_text("S-0001", "ready", "labels: [api, epic-pay]\n"));
  run_selection epic;
  epic.epic = "epic-pay";
  BOOST_TEST(ids_of(plan(epic)) == (std::vector<std::string>{"S-0001", "S-0003"}));
}

// ai-sdlc's refinement writes estimated_effort: a live run cannot know how
// long an agent will take, and the estimate is what tells a long story from a
// short one. Two independent stories at the same priority, one slot: the
// large one starts first although the id order says otherwise.
BOOST_AUTO_TEST_CASE(estimated_effort_weighs_a_story_and_an_unknown_one_is_named) {
  test::temp_dir d;
  test::make_board(d.path,
                   {{"S-0001", test::story_text("S-0001", "ready", "estimated_effort: small\n")},
                    {"S-0002", test::story_text("S-0002", "ready", "estimated_effort: Large\n")},
                    {"S-0003", test::story_text("S-0003", "in-progress",
                                                "plan_complete: true\nestimated_effort: medium\n")},
                    {"S-0004", test::story_text("S-0004", "ready", "estimated_effort: XL\n")},
                    {"S-0005", test::story_text("S-0005", "ready")}});
  board b(d.path, load_config(d.path, {}));
  auto p = make_run_plan(b, {});
  std::map<std::string, double> work;
  for (const auto& it : p.items)
    work[it.id] = it.work;
  BOOST_TEST(work["S-0001"] == 2.0);             // 4 actions × 0.5
  BOOST_TEST(work["S-0002"] == 6.0);             // × 1.5, whatever the case
  BOOST_TEST(work["S-0003"] == 3.0);             // 3 actions left × 1
  BOOST_TEST(work["S-0004"] == 4.0);             // unknown: weighed as medium, and said
  BOOST_TEST(work["S-0005"] == 4.0);             // no estimate: medium
  BOOST_TEST(p.expected_actions["S-0002"] == 4); // the count of actions is unchanged
  BOOST_REQUIRE(p.warnings.size() == 1u);
  BOOST_TEST(p.warnings["S-0004"].find("S-0004 (") == 0u);
  BOOST_TEST(p.warnings["S-0004"].find("story.md") != std::string::npos);
  BOOST_TEST(p.warnings["S-0004"].find("estimated_effort 'XL'") != std::string::npos);

  std::vector<schedule_item> two;
  for (const auto& it : p.items)
    if (it.id == "S-0001" || it.id == "S-0002") two.push_back(it);
  scheduler_core core(two, 1);
  BOOST_TEST(core.take_startable() == (std::vector<std::string>{"S-0002"}));
  BOOST_TEST(describe_plan(p, 2, 60).find("× 1.5 for a large one") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
