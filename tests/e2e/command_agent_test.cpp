#define BOOST_TEST_MODULE command_agent
// The generic command agent (agent.command), end to end without Claude: the
// prompt file and SDLC_* variables, progress lines, commits on the story
// branch; review checks that fail reject without asking the agent; a failing
// agent ends blocked; a dirty main checkout is refused unless --force; a done
// story's worktree holding unsaved work is kept.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace sdlc;

namespace {

const char* agent_script = R"sh(#!/bin/sh
# A scripted agent: records each call, answers per action.
test -s "$SDLC_PROMPT_FILE" || { echo "no prompt file" >&2; exit 9; }
echo "$SDLC_STORY_ID $SDLC_ACTION $(pwd)" >> "$CALLS_FILE"
case "$SDLC_ACTION" in
  implement|rework)
    echo '{"type":"progress","percent":50,"message":"writing"}'
    echo "made by $SDLC_STORY_ID" > feature.txt
    echo "implemented";;
  review)
    printf 'fine\n```json\n{"passed": true, "issues": []}\n```\n';;
  *)
    echo "notes for $SDLC_ACTION";;
esac
)sh";

struct project {
  test::temp_dir d;
  std::filesystem::path repo;
  std::filesystem::path calls;
  explicit project(const std::string& extra_config = "")
      : repo(d.path / "repo"), calls(d.path / "calls.txt") {
    test::make_git_repo(repo);
    test::write(d.path / "agent.sh", agent_script);
    std::filesystem::permissions(d.path / "agent.sh", std::filesystem::perms::owner_all);
    test::write(repo / ".ai-sdlc.yaml",
                "agent:\n  command: " + (d.path / "agent.sh").string() + "\n" + extra_config);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
    BOOST_REQUIRE(sdlc({"add", "Feature", "--status", "ready"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  test::run_result sdlc(const std::vector<std::string>& args) {
    return test::sdlc(repo, args, {{"CALLS_FILE", calls.string()}});
  }
  story the_story() { return story::load(repo / ".ai-sdlc/stories/S-0001/story.md"); }
  int calls_of(const std::string& action) {
    auto text = test::read(calls);
    int n = 0;
    for (std::size_t p = text.find(" " + action + " "); p != std::string::npos;
         p = text.find(" " + action + " ", p + 1))
      ++n;
    return n;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(command_agent_takes_a_story_to_done) {
  project p("testCommand: test -f feature.txt\n");
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(p.the_story().str("status") == "done");
  // The session kept its story's lock file between writes, and removed it.
  BOOST_TEST(!std::filesystem::exists(p.repo / ".ai-sdlc/stories/S-0001/.story.md.lock"));
  BOOST_TEST(p.calls_of("research") == 1);
  BOOST_TEST(p.calls_of("implement") == 1);
  BOOST_TEST(p.calls_of("review") == 1);
  BOOST_TEST(test::read(p.calls).find(".ai-sdlc/worktrees/S-0001-feature") != std::string::npos);
  BOOST_TEST(test::git(p.repo, {"show", "ai-sdlc/S-0001-feature:feature.txt"}) ==
             "made by S-0001\n");
  BOOST_TEST(p.the_story().body().find("notes for research") != std::string::npos);
  BOOST_TEST(r.out.find("progress") != std::string::npos);
  auto wts = p.sdlc({"worktrees"});
  BOOST_TEST(wts.out.find("S-0001-feature") != std::string::npos);
  auto removed = p.sdlc({"worktrees", "remove", "S-0001"});
  BOOST_TEST(removed.exit_code == 0, removed.err);
  BOOST_TEST(!std::filesystem::exists(p.repo / ".ai-sdlc/worktrees/S-0001-feature"));
  BOOST_TEST(p.sdlc({"worktrees"}).out.find("no worktrees") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failing_checks_reject_without_asking_the_agent) {
  project p("testCommand: exit 3\nreviewConfig:\n  maxRetries: 1\n");
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto s = p.the_story();
  BOOST_TEST(s.str("status") == "blocked");
  BOOST_TEST(p.calls_of("review") == 0); // the agent was never asked to review
  BOOST_TEST(p.calls_of("rework") == 1);
  BOOST_TEST(s.frontmatter()["review_history"].size() == 2u);
  BOOST_TEST(s.body().find("test failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_agent_that_always_fails_ends_blocked) {
  project p;
  test::write(p.d.path / "agent.sh", "#!/bin/sh\necho broken >&2\nexit 1\n");
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(r.exit_code == 1);
  auto s = p.the_story();
  BOOST_TEST(s.str("status") == "blocked");
  BOOST_TEST(s.str("blocked_reason").find("research failed 4 times") != std::string::npos);
  BOOST_TEST(s.str("last_error").find("exited with code 1") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(p.repo / ".ai-sdlc/stories/S-0001/.story.md.lock"));
}

BOOST_AUTO_TEST_CASE(dirty_main_checkout_needs_force) {
  project p;
  test::write(p.repo / "README.md", "local edit\n");
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 2); // refused before anything starts
  BOOST_TEST(r.err.find("uncommitted changes (README.md)") != std::string::npos, r.err);
  BOOST_TEST(p.the_story().str("status") == "ready");
  auto forced = p.sdlc({"run", "--auto", "--story", "S-0001", "--worktree", "--force"});
  BOOST_TEST(forced.exit_code == 0, forced.out << forced.err);
}

// A review that leaves a file behind in the worktree: the story is done, and
// its worktree stays with that file, still named by the story, until a person
// decides (`cleanup --force`). Nothing of the agent's is deleted unasked.
BOOST_AUTO_TEST_CASE(a_done_storys_worktree_with_unsaved_work_is_kept) {
  project p;
  std::string script = agent_script;
  const std::string review = "  review)\n";
  script.replace(script.find(review), review.size(),
                 review + "    echo 'my notes' > review-notes.txt\n");
  test::write(p.d.path / "agent.sh", script);
  auto r = p.sdlc({"run", "--concurrent", "2"}); // a concurrent run drops done worktrees
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(p.the_story().str("status") == "done");
  const auto wt = p.repo / ".ai-sdlc/worktrees/S-0001-feature";
  BOOST_TEST(test::read(wt / "review-notes.txt") == "my notes\n");
  BOOST_TEST(std::filesystem::path(p.the_story().str("worktree_path")).filename() ==
             "S-0001-feature");
  BOOST_TEST((r.out + r.err).find("worktree kept") != std::string::npos, r.out << r.err);
  auto kept = p.sdlc({"cleanup"});
  BOOST_TEST(kept.exit_code == 0, kept.out << kept.err);
  BOOST_TEST(std::filesystem::exists(wt / "review-notes.txt"));
  auto forced = p.sdlc({"cleanup", "--force"});
  BOOST_TEST(forced.exit_code == 0, forced.out << forced.err);
  BOOST_TEST(!std::filesystem::exists(wt));
  BOOST_TEST(p.the_story().str("worktree_path").empty());
  BOOST_TEST(!test::git(p.repo, {"branch", "--list", "ai-sdlc/S-0001-feature"}).empty());
}
