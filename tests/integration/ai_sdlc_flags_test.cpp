#define BOOST_TEST_MODULE ai_sdlc_flags
// ai-sdlc's `run` flags, typed by its users and their scripts: each works as
// in ai-sdlc (bare run, --story, --step, --batch, --epic, --max-concurrent, --no-worktree,
// --max-iterations, --log-level) or exits 2 naming the sdlc-actors way
// (--clean, --request, --grill-me) — never accepted and
// silently different. Real runs with a command agent in a real git repo.
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

// Approves every review, or rejects every one with `reject`; each review
// leaves a line in reviews.log so a test can count them. The action named by
// FAIL_ACTION fails.
std::string agent(bool reject = false) {
  const std::string verdict = reject
                                  ? "{\"passed\": false, \"issues\": [{\"severity\": \"major\", "
                                    "\"category\": \"implementation\", \"description\": \"no\"}]}"
                                  : "{\"passed\": true, \"issues\": []}";
  return "#!/bin/sh\n"
         "if [ \"$SDLC_ACTION\" = \"$FAIL_ACTION\" ]; then echo broken >&2; exit 1; fi\n"
         "case \"$SDLC_ACTION\" in\n"
         "  review) echo \"$SDLC_STORY_ID\" >> \"$REVIEWS_LOG\"; printf '```json\\n" +
         verdict +
         "\\n```\\n';;\n"
         "  *) echo \"notes for $SDLC_ACTION\";;\n"
         "esac\n";
}

struct project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env;
  explicit project(bool reject = false) {
    env = {{"NO_COLOR", "1"}, {"REVIEWS_LOG", (d.path / "reviews.log").string()}};
    test::make_command_agent_board(repo, d.path / "agent.sh", agent(reject), env);
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  std::string add(const std::string& title, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"add", title, "--status", "ready", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = sdlc(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return r.out.substr(r.out.find("S-"), 6);
  }
  std::string status_of(const std::string& id) const {
    std::smatch m;
    auto text = test::read(repo / ".ai-sdlc/stories" / id / "story.md");
    return std::regex_search(text, m, std::regex("status: ([a-z-]+)")) ? m[1].str() : "";
  }
  void commit() {
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  int reviews() const {
    auto log = test::read(d.path / "reviews.log");
    return static_cast<int>(std::count(log.begin(), log.end(), '\n'));
  }
};

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(batch_runs_the_named_stories_and_no_others) {
  project p;
  auto a = p.add("First");
  auto b = p.add("Second");
  auto c = p.add("Third");
  p.commit();
  auto r = p.sdlc({"run", "--batch", a + ", " + c});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(p.status_of(a) == "done");
  BOOST_TEST(p.status_of(b) == "ready");
  BOOST_TEST(p.status_of(c) == "done");
  auto both = p.sdlc({"run", "--batch", a, "--story", b});
  BOOST_TEST(both.exit_code == 2, both.err);
}

BOOST_AUTO_TEST_CASE(epic_runs_its_unfinished_stories_at_epic_concurrency) {
  project p;
  auto labelled = p.add("Pay by card", {"--label", "epic-pay"});
  auto other = p.add("Refund", {"--label", "epic-refunds"});
  auto by_field = p.add("Pay by bank");
  auto f = p.repo / ".ai-sdlc/stories" / by_field / "story.md";
  test::write(f,
              std::regex_replace(test::read(f), std::regex("\nstatus:"), "\nepic: pay\nstatus:"));
  BOOST_REQUIRE(p.sdlc({"config", "epic.maxConcurrent", "2"}).exit_code == 0);
  p.commit();
  auto dry = p.sdlc({"run", "--epic", "pay", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.err);
  BOOST_TEST(has(dry.out, labelled), dry.out);
  BOOST_TEST(has(dry.out, by_field), dry.out);
  BOOST_TEST(!has(dry.out, other), dry.out);
  auto r = p.sdlc({"run", "--epic", "epic-pay"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(p.status_of(labelled) == "done");
  BOOST_TEST(p.status_of(by_field) == "done");
  BOOST_TEST(p.status_of(other) == "ready");
  // Two at once means worktrees: they were made, and removed when done
  // (epic.keepWorktrees false), their branches kept.
  BOOST_TEST(has(test::git(p.repo, {"branch", "--list"}), "ai-sdlc/" + labelled));
  auto wts = p.sdlc({"worktrees"});
  BOOST_TEST(!has(wts.out, labelled), wts.out);

  auto misplaced = p.sdlc({"run", "--auto", "--max-concurrent", "2"});
  BOOST_TEST(misplaced.exit_code == 2);
  BOOST_TEST(has(misplaced.err, "--max-concurrent goes with --epic"), misplaced.err);
}

BOOST_AUTO_TEST_CASE(no_worktree_beats_the_config_for_one_story_and_is_refused_for_more) {
  project p;
  auto a = p.add("Alone");
  p.add("Other");
  BOOST_REQUIRE(p.sdlc({"config", "worktree.enabled", "true"}).exit_code == 0);
  p.commit();
  auto many = p.sdlc({"run", "--auto", "--concurrent", "2", "--no-worktree"});
  BOOST_TEST(many.exit_code == 2);
  BOOST_TEST(has(many.err, "--no-worktree: stories run at once each need a worktree"), many.err);
  auto r = p.sdlc({"run", "--auto", "--story", a, "--no-worktree"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(p.status_of(a) == "done");
  BOOST_TEST(!has(test::git(p.repo, {"worktree", "list"}), ".ai-sdlc/worktrees"));
  BOOST_TEST(!has(test::git(p.repo, {"branch", "--list"}), "ai-sdlc/" + a));
  auto both = p.sdlc({"run", "--story", a, "--no-worktree", "--worktree"});
  BOOST_TEST(both.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(max_iterations_caps_review_rejections_for_this_run) {
  project p(/*reject=*/true);
  auto a = p.add("Never good enough");
  auto b = p.add("Also never good enough");
  p.commit();
  auto capped = p.sdlc({"run", "--auto", "--story", a, "--max-iterations", "1"});
  BOOST_TEST(capped.exit_code == 1, capped.out << capped.err);
  BOOST_TEST(p.status_of(a) == "blocked");
  const int with_one = p.reviews();
  auto uncapped = p.sdlc({"run", "--auto", "--story", b}); // reviewConfig.maxRetries: 3
  BOOST_TEST(uncapped.exit_code == 1, uncapped.out << uncapped.err);
  const int with_three = p.reviews() - with_one;
  BOOST_TEST(with_one == 2, with_one);     // the review and one more after rework
  BOOST_TEST(with_three == 4, with_three); // the review and three more
  BOOST_TEST(p.sdlc({"run", "--auto", "--story", a, "--max-iterations", "-1"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(log_level_is_accepted_and_checked) {
  project p;
  p.add("Any");
  p.commit();
  auto ok = p.sdlc({"run", "--auto", "--dry-run", "--log-level", "debug"});
  BOOST_TEST(ok.exit_code == 0, ok.err);
  auto bad = p.sdlc({"run", "--auto", "--log-level", "loud"});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(has(bad.err, "--log-level"), bad.err);
}

// ai-sdlc's step mode: without --auto a run does one action, the board's
// recommended one (in-progress, then ready, then backlog) or --story's;
// --step keeps the stories whose next action is that phase.
BOOST_AUTO_TEST_CASE(bare_run_story_and_step_do_one_action_as_in_ai_sdlc) {
  project p;
  auto a = p.add("Ready one");
  auto added = p.sdlc({"add", "Backlog one", "--json"}); // backlog, as ai-sdlc's add
  BOOST_REQUIRE_MESSAGE(added.exit_code == 0, added.err);
  auto b = added.out.substr(added.out.find("S-"), 6);
  p.commit();
  auto flag = [&](const std::string& id, const std::string& name) {
    return has(test::read(p.repo / ".ai-sdlc/stories" / id / "story.md"), name + ": true");
  };
  auto dry = p.sdlc({"run", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.out << dry.err);
  BOOST_TEST(has(dry.out, "would run research for " + a), dry.out);
  BOOST_TEST(!flag(a, "research_complete"));

  auto bare = p.sdlc({"run"});
  BOOST_TEST(bare.exit_code == 0, bare.out << bare.err);
  BOOST_TEST(has(bare.out, "step-done"), bare.out);
  BOOST_TEST(flag(a, "research_complete"));
  BOOST_TEST(!flag(a, "plan_complete"));
  BOOST_TEST(p.status_of(b) == "backlog");

  auto refine = p.sdlc({"run", "--story", b});
  BOOST_TEST(refine.exit_code == 0, refine.out << refine.err);
  BOOST_TEST(p.status_of(b) == "ready");
  BOOST_TEST(!flag(b, "research_complete"));
  BOOST_TEST(!flag(a, "plan_complete"));

  auto wrong = p.sdlc({"run", "--story", a, "--step", "implement"});
  BOOST_TEST(wrong.exit_code == 0, wrong.out << wrong.err);
  BOOST_TEST(has(wrong.out, "nothing to run for step implement: " + a + " needs plan next"),
             wrong.out);
  BOOST_TEST(!flag(a, "plan_complete"));
  auto plan = p.sdlc({"run", "--story", a, "--step", "plan"});
  BOOST_TEST(plan.exit_code == 0, plan.out << plan.err);
  BOOST_TEST(flag(a, "plan_complete"));
  BOOST_TEST(!flag(a, "implementation_complete"));

  // --auto --step research: every story whose next action is research (b), one action.
  auto each = p.sdlc({"run", "--auto", "--step", "research"});
  BOOST_TEST(each.exit_code == 0, each.out << each.err);
  BOOST_TEST(flag(b, "research_complete"));
  BOOST_TEST(!flag(b, "plan_complete"));
  BOOST_TEST(!flag(a, "implementation_complete"));

  auto whole = p.sdlc({"run", "--auto", "--story", a});
  BOOST_TEST(whole.exit_code == 0, whole.out << whole.err);
  BOOST_TEST(p.status_of(a) == "done");
  auto none = p.sdlc({"run", "--story", a});
  BOOST_TEST(none.exit_code == 0, none.out << none.err);
  BOOST_TEST(has(none.out, "nothing to run: " + a + " has no action to run: done"), none.out);
}

// The one action of a step that fails is not a step done: the run says
// step-failed with the problem and exits 1 (ai-sdlc exits 0 here). The story
// is not blocked, and the next run tries the action again.
BOOST_AUTO_TEST_CASE(a_step_whose_action_fails_says_so_and_exits_1) {
  project p;
  auto a = p.add("Ready one");
  p.commit();
  p.env["FAIL_ACTION"] = "research";
  auto failed = p.sdlc({"run"});
  BOOST_TEST(failed.exit_code == 1, failed.out << failed.err);
  BOOST_TEST(has(failed.out, "step-failed"), failed.out);
  BOOST_TEST(has(failed.out, "research failed: "), failed.out);
  BOOST_TEST(!has(failed.out, "step-done"), failed.out);
  BOOST_TEST(p.status_of(a) == "ready");
  p.env.erase("FAIL_ACTION");
  auto again = p.sdlc({"run"});
  BOOST_TEST(again.exit_code == 0, again.out << again.err);
  BOOST_TEST(has(again.out, "step-done"), again.out);
  BOOST_TEST(
      has(test::read(p.repo / ".ai-sdlc/stories" / a / "story.md"), "research_complete: true"));
}

// A bare run is a new session each time, yet it counts a failing action's
// attempts as `run --auto` does: the checkpoint keeps them, so the story is
// blocked after retry.maxRetries + 1 failures instead of retried forever. The
// next run says the action failed, not that it was interrupted.
BOOST_AUTO_TEST_CASE(bare_runs_count_a_failing_actions_attempts_and_then_block_it) {
  project p;
  auto a = p.add("Keeps failing");
  p.commit();
  p.env["FAIL_ACTION"] = "research";
  p.env["SDLC_CONFIG__RETRY__MAX_RETRIES"] = "1";
  auto first = p.sdlc({"run"});
  BOOST_TEST(first.exit_code == 1, first.out << first.err);
  BOOST_TEST(p.status_of(a) == "ready");
  auto shown = p.sdlc({"details", a});
  BOOST_TEST(has(shown.out, "research (1 of 2 attempts)"), shown.out);
  BOOST_TEST(!has(shown.out, "interrupted"), shown.out);

  auto second = p.sdlc({"run"});
  BOOST_TEST(has(second.out, "research (1 of 2 attempts) failed in an earlier run"), second.out);
  BOOST_TEST(!has(second.out, "was interrupted"), second.out);
  BOOST_TEST(p.status_of(a) == "blocked", second.out);
  BOOST_TEST(
      has(test::read(p.repo / ".ai-sdlc/stories" / a / "story.md"), "research failed 2 times"));

  // Unblocked, its count kept (as ai-sdlc keeps its retry counts): one more
  // failure blocks it again. --reset-retries gives it its attempts back.
  BOOST_TEST(p.sdlc({"unblock", a}).exit_code == 0);
  auto third = p.sdlc({"run"});
  BOOST_TEST(p.status_of(a) == "blocked", third.out);
  BOOST_TEST(has(third.out, "research (2 of 2 attempts) failed in an earlier run"), third.out);
  BOOST_TEST(p.sdlc({"unblock", a, "--reset-retries"}).exit_code == 0);
  auto fourth = p.sdlc({"run"});
  BOOST_TEST(has(fourth.out, "research failed in an earlier run"), fourth.out);
  BOOST_TEST(p.status_of(a) == "ready", fourth.out);

  // Fixed, the action runs; its count ends with it.
  p.env.erase("FAIL_ACTION");
  BOOST_TEST(p.sdlc({"unblock", a}).exit_code != 0); // not blocked: nothing to unblock
  auto fixed = p.sdlc({"run", "--story", a});
  BOOST_TEST(fixed.exit_code == 0, fixed.out << fixed.err);
  BOOST_TEST(
      has(test::read(p.repo / ".ai-sdlc/stories" / a / "story.md"), "research_complete: true"));
  BOOST_TEST(
      !has(test::read(p.repo / ".ai-sdlc/stories" / a / ".workflow-state.json"), "failedAttempts"));
}

BOOST_AUTO_TEST_CASE(flags_without_an_equivalent_exit_2_naming_the_way_here) {
  project p;
  auto a = p.add("Untouched");
  p.commit();
  const auto before = test::read(p.repo / ".ai-sdlc/stories" / a / "story.md");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--step", "deploy"}, "valid steps: refine, research, plan, implement, review"},
      {{"--auto", "--story", a, "--step", "plan"}, "cannot combine --auto --story with --step"},
      {{"--step", "plan", "--concurrent", "2"}, "--step runs single actions"},
      {{"--story", a, "--clean"}, "`worktrees remove <id> --force`"},
      {{"--watch", "--story", a}, "excludes --watch"}, // ai-sdlc: the daemon takes all
      {{"--request", "Add a login page"}, "`add \"<title>\" --body-file F`"},
      {{"--request", "x", "--grill-me"}, "`add \"<title>\" --body-file F`"},
  };
  for (const auto& [flags, way] : cases) {
    std::vector<std::string> args{"run"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = p.sdlc(args);
    const std::string what = args.size() > 1 ? args[1] : "(bare run)";
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(r.exit_code == 2, r.out << r.err);
      BOOST_TEST(has(r.err, way), r.err);
      BOOST_TEST(r.out.empty(), r.out);
    }
  }
  BOOST_TEST(test::read(p.repo / ".ai-sdlc/stories" / a / "story.md") == before);
  auto help = p.sdlc({"run", "--help"});
  for (const std::string flag : {"--batch", "--epic", "--max-concurrent", "--no-worktree",
                                 "--max-iterations", "--log-level", "--step", "--watch"})
    BOOST_TEST(has(help.out, flag), flag);
}
