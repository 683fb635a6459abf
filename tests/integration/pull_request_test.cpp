#define BOOST_TEST_MODULE pull_request
// The landing lane through GitHub: a fake `gh` on PATH (tests/helpers/fake_gh.sh)
// records every call and answers as gh does; the story branches are pushed for
// real to a bare repository standing in for GitHub. Stacked PRs for
// dependents, pr_url / pr_merged / merge_sha as ai-sdlc writes them, gh
// missing or logged out named with `gh auth login`, failed checks back to
// rework, and the workflow's create_pr behind stageGates.requireApprovalBeforePR.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

struct github_project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  stdfs::path origin = d.path / "origin.git";
  stdfs::path gh_dir = d.path / "gh";
  std::map<std::string, std::string> env;
  explicit github_project(bool with_gh = true) {
    const auto bin = d.path / "bin";
    stdfs::create_directories(bin);
    if (with_gh)
      stdfs::create_symlink(stdfs::path(SDLC_SOURCE_DIR) / "tests/helpers/fake_gh.sh", bin / "gh");
    // Without gh: PATH is only the empty folder (Debian's gh may be in /usr/bin).
    env = {{"NO_COLOR", "1"},
           {"FAKE_GH_DIR", gh_dir.string()},
           {"PATH", with_gh ? bin.string() + ":" + std::getenv("PATH") : bin.string()}};
    test::make_git_repo(repo);
    test::run({"/usr/bin/git", "init", "-q", "--bare", origin.string()});
    test::git(repo, {"remote", "add", "origin", origin.string()});
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
    BOOST_REQUIRE(sdlc({"config", "merge.target", "github"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
    test::git(repo, {"push", "-q", "origin", "main"});
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  std::string done_story(const std::string& title, const std::string& file,
                         const std::string& depends_on = "") {
    std::vector<std::string> args = {"add", title, "--status", "ready", "--json"};
    if (!depends_on.empty()) args.insert(args.end(), {"--depends-on", depends_on});
    auto added = sdlc(args);
    BOOST_REQUIRE_MESSAGE(added.exit_code == 0, added.err);
    auto id = nlohmann::json::parse(added.out)["id"].get<std::string>();
    BOOST_REQUIRE(sdlc({"worktrees", "add", id}).exit_code == 0);
    auto dir = repo / field(id, "worktree_path");
    test::write(dir / file, id + "\n");
    test::git(dir, {"add", "-A"});
    test::git(dir, {"commit", "-q", "-m", "work of " + id});
    board b(repo, load_config(repo, {}));
    b.update(id, [](story& st) { st.set_string("status", "done"); });
    return id;
  }
  // A command agent whose implement step is `implement`; reviews approve.
  void use_agent(const std::string& implement) {
    const auto agent = d.path / "agent.sh";
    test::write(agent, "#!/bin/sh\ncase \"$SDLC_ACTION\" in\n  implement) " + implement +
                           ";;\n"
                           "  review) printf '```json\\n{\"passed\": true, \"issues\": "
                           "[]}\\n```\\n';;\n"
                           "  *) echo \"notes for $SDLC_ACTION\";;\nesac\n");
    stdfs::permissions(agent, stdfs::perms::owner_all);
    BOOST_REQUIRE(sdlc({"config", "agent.command", agent.string()}).exit_code == 0);
  }
  std::string field(const std::string& id, const std::string& key) const {
    board b(repo, load_config(repo, {}));
    return b.find(id).str(key);
  }
  std::vector<std::string> gh_calls() const {
    std::vector<std::string> out;
    std::istringstream in(stdfs::exists(gh_dir / "calls") ? test::read(gh_dir / "calls") : "");
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
  // The index of the first call containing every part, or -1.
  int call_index(const std::vector<std::string>& parts) const {
    auto calls = gh_calls();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      bool all = true;
      for (const auto& p : parts)
        all = all && has(calls[i], p);
      if (all) return static_cast<int>(i);
    }
    return -1;
  }
  bool on_origin(const std::string& branch) const {
    return test::run({"/usr/bin/git", "--git-dir", origin.string(), "rev-parse", "--verify", "-q",
                      "refs/heads/" + branch})
               .exit_code == 0;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(land_opens_stacked_pull_requests_and_merges_them_dependencies_first) {
  github_project p;
  auto a = p.done_story("Parser", "parser.txt");
  auto b = p.done_story("Uses the parser", "user.txt", a);
  auto c = p.done_story("Unrelated", "other.txt");
  const auto a_branch = p.field(a, "branch");
  const auto b_branch = p.field(b, "branch");

  auto dry = p.sdlc({"land", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.out << dry.err);
  BOOST_TEST(has(dry.out, "would open a pull request for " + b + " into " + a_branch), dry.out);
  BOOST_TEST(p.gh_calls().empty()); // a dry run asks nobody

  auto r = p.sdlc({"land", "--json"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["target"] == "github");
  for (const auto& s : j["stories"]) {
    BOOST_TEST(s["result"] == "landed", s.dump());
    BOOST_TEST(has(s["pr_url"].get<std::string>(), "https://github.com/acme/demo/pull/"));
  }
  // Every branch is on the remote; the dependent's PR was stacked on its dependency's branch,
  // and moved to main (gh pr edit) once that merged, before it merged itself.
  for (const auto& id : {a, b, c})
    BOOST_TEST(p.on_origin(p.field(id, "branch")), id);
  const int create_a = p.call_index({"pr | create", "--head | " + a_branch, "--base | main"});
  const int create_b =
      p.call_index({"pr | create", "--head | " + b_branch, "--base | " + a_branch});
  BOOST_TEST(create_a >= 0);
  BOOST_TEST(create_b > create_a);
  BOOST_TEST(p.call_index({"pr | create", "--base | main", "--title | " + c + ": Unrelated"}) >= 0);
  const auto b_number = p.field(b, "pr_url").substr(p.field(b, "pr_url").rfind('/') + 1);
  const auto a_number = p.field(a, "pr_url").substr(p.field(a, "pr_url").rfind('/') + 1);
  const int merge_a =
      p.call_index({"pr | merge | " + a_number + " | --squash | --auto | --delete-branch"});
  const int edit_b = p.call_index({"pr | edit | " + b_number + " | --base | main"});
  const int merge_b = p.call_index({"pr | merge | " + b_number});
  BOOST_TEST(merge_a >= 0);
  BOOST_TEST(edit_b > merge_a);
  BOOST_TEST(merge_b > edit_b);
  // As ai-sdlc records a merged PR; the branch tip is kept before gh deletes the branch.
  for (const auto& id : {a, b, c}) {
    BOOST_TEST(p.field(id, "pr_merged") == "true", id);
    BOOST_TEST(!p.field(id, "merged_at").empty(), id);
    BOOST_TEST(p.field(id, "merge_sha").size() == 40u, id);
    BOOST_TEST(test::run({"/usr/bin/git", "-C", p.repo.string(), "rev-parse", "--verify", "-q",
                          "refs/sdlc-actors/kept/" + p.field(id, "branch")})
                       .exit_code == 0,
               id);
  }
  // The body tells a reviewer what the story is.
  BOOST_TEST(p.call_index({"--title | " + a + ": Parser", "--body | ## Summary\\n\\n",
                           "agent cost $0.00"}) >= 0);
  auto status = p.sdlc({"status", "--json"});
  BOOST_TEST(has(status.out, "\"state\": \"landed\""), status.out);
  auto again = p.sdlc({"land"});
  BOOST_TEST(has(again.out, "nothing to land"), again.out);
}

BOOST_AUTO_TEST_CASE(a_gh_that_is_not_logged_in_or_missing_is_named_and_nothing_changes) {
  github_project p;
  auto id = p.done_story("Needs a login", "x.txt");
  test::write(p.gh_dir / "logged_out", "");
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code != 0, r.out << r.err);
  BOOST_TEST(has(r.err, "gh auth login"), r.err);
  BOOST_TEST(has(r.err, "not logged in"), r.err);
  BOOST_TEST(p.field(id, "status") == "done");
  BOOST_TEST(p.field(id, "pr_url").empty());
  BOOST_TEST(!p.field(id, "branch").empty());

  github_project without(false);
  auto other = without.done_story("No gh at all", "y.txt");
  auto missing = without.sdlc({"land"});
  BOOST_TEST(missing.exit_code != 0, missing.out << missing.err);
  BOOST_TEST(has(missing.err, "`gh` is not installed"), missing.err);
  BOOST_TEST(has(missing.err, "apt-get install gh"), missing.err);
  BOOST_TEST(has(missing.err, "gh auth login"), missing.err);
  BOOST_TEST(without.field(other, "status") == "done");
  BOOST_TEST(without.field(other, "pr_url").empty());
}

BOOST_AUTO_TEST_CASE(failed_checks_send_the_story_back_to_rework_with_its_pull_request) {
  github_project p;
  auto id = p.done_story("Breaks CI", "x.txt");
  test::write(p.gh_dir / "checks", R"([{"name":"unit tests","state":"FAILURE","bucket":"fail"},)"
                                   R"({"name":"lint","state":"SUCCESS","bucket":"pass"}])");
  test::write(p.gh_dir / "checks_exit", "1");
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(p.field(id, "status") == "in-progress");
  BOOST_TEST(!p.field(id, "pr_url").empty()); // the rework is pushed to the same PR
  BOOST_TEST(p.field(id, "pr_merged").empty());
  auto story = test::read(p.repo / ".ai-sdlc/stories" / id / "story.md");
  BOOST_TEST(has(story, "unit tests"), story);
  BOOST_TEST(has(story, p.field(id, "pr_url")), story);
  BOOST_TEST(p.call_index({"pr | merge"}) == -1);
}

BOOST_AUTO_TEST_CASE(checks_still_running_are_asked_again_until_they_pass) {
  github_project p;
  BOOST_REQUIRE(p.sdlc({"config", "merge.checksPollingInterval", "1000"}).exit_code == 0);
  auto id = p.done_story("Slow CI", "x.txt");
  test::write(p.gh_dir / "pending_polls", "2");
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(has(r.out, id + ": waiting for https://github.com/acme/demo/pull/1 (build)"), r.out);
  BOOST_TEST(p.field(id, "pr_merged") == "true");
  auto calls = p.gh_calls();
  BOOST_TEST(std::count_if(calls.begin(), calls.end(),
                           [](const std::string& c) { return has(c, "pr | checks"); }) == 3);
  // Not merged before the checks passed: the merge is the last thing asked.
  const int merge = p.call_index({"pr | merge"});
  BOOST_TEST(merge > p.call_index({"pr | checks"}));
  BOOST_TEST(test::read(p.gh_dir / "pending_polls") == "0\n");
}

// A pull request whose checks never finish waits, named, for the next land.
BOOST_AUTO_TEST_CASE(checks_that_never_finish_time_out_and_the_story_waits) {
  github_project p;
  BOOST_REQUIRE(p.sdlc({"config", "merge.checksPollingInterval", "1000"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"config", "merge.checksTimeout", "2000"}).exit_code == 0);
  auto id = p.done_story("Stuck CI", "x.txt");
  test::write(p.gh_dir / "pending_polls", "1000");
  auto r = p.sdlc({"land", "--json"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["stories"][0]["result"] == "waiting");
  BOOST_TEST(has(j["stories"][0]["detail"].get<std::string>(), "merge.checksTimeout"));
  BOOST_TEST(p.field(id, "status") == "done");
  BOOST_TEST(p.field(id, "pr_merged").empty());
  BOOST_TEST(p.call_index({"pr | merge"}) == -1);
}

// The workflow's create_pr (reviewConfig.autoCreatePROnApproval), behind
// stageGates.requireApprovalBeforePR: the story waits for `approve`, then its
// PR opens and it is done with pr_url, as ai-sdlc leaves it.
BOOST_AUTO_TEST_CASE(create_pr_waits_for_approval_then_opens_the_pull_request) {
  github_project p;
  p.use_agent("echo work > work.txt");
  for (auto kv : std::vector<std::pair<std::string, std::string>>{
           {"worktree.enabled", "true"},
           {"reviewConfig.autoCreatePROnApproval", "true"},
           {"stageGates.requireApprovalBeforePR", "true"}})
    BOOST_REQUIRE(p.sdlc({"config", kv.first, kv.second}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"add", "Opens a PR", "--status", "ready"}).exit_code == 0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "config and story"});
  // The run holds the story for a person, and goes on once `approve` says so.
  const auto run_log = p.d.path / "run.log";
  test::child_guard run(test::spawn_background({SDLC_BIN, "run", "--auto", "--story", "S-0001"},
                                               p.repo, p.env, run_log));
  auto awaiting = [&] {
    auto j = nlohmann::json::parse(p.sdlc({"status", "--json"}).out);
    return j["counts"]["awaiting_approval"] == 1;
  };
  BOOST_REQUIRE_MESSAGE(test::eventually(awaiting), test::read(run_log));
  BOOST_TEST(p.field("S-0001", "status") == "in-progress");
  BOOST_TEST(p.field("S-0001", "pr_url").empty());
  BOOST_TEST(p.gh_calls().empty());
  auto approved = p.sdlc({"approve", "S-0001"});
  BOOST_TEST(has(approved.out, "Approved the pull request of S-0001"), approved.out);
  auto code = run.wait_for(std::chrono::seconds(60));
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(run_log));
  BOOST_TEST(*code == 0, test::read(run_log));
  BOOST_TEST(p.field("S-0001", "status") == "done");
  BOOST_TEST(has(p.field("S-0001", "pr_url"), "/pull/1"));
  BOOST_TEST(p.on_origin(p.field("S-0001", "branch")));
  BOOST_TEST(p.call_index({"pr | create", "--title | S-0001: Opens a PR", "--base | main"}) >= 0);
}

// In a run: `run --land` with the GitHub target — the merge queue opens each
// story's PR as it finishes and merges it once its checks pass (asked again
// while they run), and the run ends when every story has landed.
BOOST_AUTO_TEST_CASE(a_run_with_the_lane_opens_and_merges_pull_requests_as_stories_finish) {
  github_project p;
  p.use_agent("echo \"$SDLC_STORY_ID\" > \"$SDLC_STORY_ID.txt\"");
  BOOST_REQUIRE(p.sdlc({"config", "merge.checksPollingInterval", "1000"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"add", "Base", "--status", "ready"}).exit_code == 0);
  BOOST_REQUIRE(
      p.sdlc({"add", "On top", "--status", "ready", "--depends-on", "S-0001"}).exit_code == 0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "stories"});
  test::write(p.gh_dir / "pending_polls", "1");
  auto r = p.sdlc({"run", "--auto", "--concurrent", "2", "--land", "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  for (const char* id : {"S-0001", "S-0002"}) {
    BOOST_TEST(p.field(id, "status") == "done", id);
    BOOST_TEST(p.field(id, "pr_merged") == "true", id);
    BOOST_TEST(has(p.field(id, "pr_url"), "https://github.com/acme/demo/pull/"), id);
    BOOST_TEST(p.on_origin(p.field(id, "branch")), id);
  }
  BOOST_TEST(p.call_index({"pr | merge | 1"}) >= 0);
  BOOST_TEST(p.call_index({"pr | merge | 2"}) > p.call_index({"pr | merge | 1"}));
  BOOST_TEST(has(r.out, "landed"), r.out);
  // The console channel (ai-sdlc's default notification) told both ends of
  // each landing: the pull request opened, then merged.
  BOOST_TEST(has(r.out, "[INFO] [pr_opened] S-0001: Base - https://github.com/acme/demo/pull/"),
             r.out);
  BOOST_TEST(has(r.out, "[INFO] [story_landed] S-0002: On top - "), r.out);
  auto journal = p.sdlc({"report", "--json"});
  BOOST_TEST(journal.exit_code == 0, journal.err);
}
