#define BOOST_TEST_MODULE landing
// `sdlc-actors land`: done stories' branches onto the checked-out branch,
// tested together in a scratch folder, the branch moved to exactly the tested
// commit; a red batch bisected to its culprit, a conflict named, both sent
// back to rework; a user's uncommitted change never overwritten. Real git,
// real test command, real processes.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

struct lane_project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}};
  lane_project() {
    test::make_git_repo(repo);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
    BOOST_REQUIRE(sdlc({"config", "testCommand", "! grep -rq BAD src"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  // A story done on its own branch, which adds or changes `files`.
  std::string done_story(const std::string& title,
                         const std::map<std::string, std::string>& files) {
    auto added = sdlc({"add", title, "--status", "ready", "--json"});
    BOOST_REQUIRE_MESSAGE(added.exit_code == 0, added.err);
    auto id = nlohmann::json::parse(added.out)["id"].get<std::string>();
    auto wt = sdlc({"worktrees", "add", id});
    BOOST_REQUIRE_MESSAGE(wt.exit_code == 0, wt.err);
    board b(repo, load_config(repo, {}));
    auto s = b.find(id);
    auto dir = repo / s.str("worktree_path");
    for (const auto& [path, text] : files)
      test::write(dir / path, text);
    test::git(dir, {"add", "-A"});
    test::git(dir, {"commit", "-q", "-m", "work of " + id});
    b.update(id, [](story& st) { st.set_string("status", "done"); });
    return id;
  }
  // A command agent whose implement/rework lines are `work`; reviews approve.
  void use_agent(const std::string& work) {
    const auto agent = d.path / "agent.sh";
    test::write(agent, "#!/bin/sh\ncase \"$SDLC_ACTION\" in\n" + work +
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
  std::string main_tip() const {
    auto out = test::git(repo, {"rev-parse", "main"});
    return out.substr(0, out.find('\n'));
  }
  bool on_main(const std::string& sha) const {
    return test::run(
               {"/usr/bin/git", "-C", repo.string(), "merge-base", "--is-ancestor", sha, "main"})
               .exit_code == 0;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_batch_lands_one_commit_per_story_and_its_culprit_goes_back_to_rework) {
  lane_project p;
  std::vector<std::string> ids;
  for (const char* name : {"a", "b", "c", "d"})
    ids.push_back(p.done_story(
        std::string("Story ") + name,
        {{std::string("src/") + name + ".txt", name == std::string("c") ? "BAD\n" : "fine\n"}}));
  const auto before = p.main_tip();
  auto dry = p.sdlc({"land", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.out << dry.err);
  BOOST_TEST(has(dry.out, "would test together: " + ids[0] + ", " + ids[1]), dry.out);
  BOOST_TEST(p.main_tip() == before);

  auto r = p.sdlc({"land", "--json"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  // [a b c d] red, [a b] green, [c d] known red, [c] red, [d] green.
  BOOST_TEST(j["test_runs"].get<int>() == 4);
  std::map<std::string, std::string> result;
  for (const auto& s : j["stories"])
    result[s["id"].get<std::string>()] = s["result"].get<std::string>();
  BOOST_TEST(result[ids[0]] == "landed");
  BOOST_TEST(result[ids[1]] == "landed");
  BOOST_TEST(result[ids[2]] == "tests-failed");
  BOOST_TEST(result[ids[3]] == "landed");

  // One commit per story (squash: one parent each), in landing order.
  auto log = test::git(p.repo, {"log", "--format=%p", before + "..main"});
  BOOST_TEST(std::count(log.begin(), log.end(), '\n') == 3, log);
  BOOST_TEST(log.find(' ') == std::string::npos, log); // one parent each: no merge commit
  for (auto i : {0, 1, 3}) {
    auto sha = p.field(ids[i], "merge_sha");
    BOOST_TEST(p.on_main(sha), ids[i]);
    BOOST_TEST(!p.field(ids[i], "merged_at").empty());
    BOOST_TEST(stdfs::exists(p.repo / "src" / (std::string(1, "abcd"[i]) + ".txt")));
  }
  // The culprit: back to rework with the failing command, its branch kept.
  BOOST_TEST(p.field(ids[2], "status") == "in-progress");
  BOOST_TEST(p.field(ids[2], "merged_at").empty());
  auto story = test::read(p.repo / ".ai-sdlc/stories" / ids[2] / "story.md");
  BOOST_TEST(has(story, "decision: REJECTED"), story);
  BOOST_TEST(has(story, "! grep -rq BAD src"), story);
  BOOST_TEST(!stdfs::exists(p.repo / "src/c.txt"));
  BOOST_TEST(test::git(p.repo, {"branch", "--list", "ai-sdlc/" + ids[2] + "*"}).size() > 0u);
  // Nothing is left to land but the culprit, which is not done.
  auto again = p.sdlc({"land"});
  BOOST_TEST(again.exit_code == 0, again.out << again.err);
  BOOST_TEST(has(again.out, "nothing to land"), again.out);
}

BOOST_AUTO_TEST_CASE(a_story_that_conflicts_goes_back_naming_the_files) {
  lane_project p;
  auto first = p.done_story("First", {{"shared.txt", "one\n"}});
  auto second = p.done_story("Second", {{"shared.txt", "two\n"}});
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(has(r.out, second + ": conflicts with main in shared.txt"), r.out);
  BOOST_TEST(p.on_main(p.field(first, "merge_sha")));
  BOOST_TEST(test::read(p.repo / "shared.txt") == "one\n");
  BOOST_TEST(p.field(second, "status") == "in-progress");
  auto story = test::read(p.repo / ".ai-sdlc/stories" / second / "story.md");
  BOOST_TEST(has(story, "resolve the merge conflict in shared.txt"), story);
}

BOOST_AUTO_TEST_CASE(landing_waits_rather_than_overwrite_an_uncommitted_change) {
  lane_project p;
  auto id = p.done_story("Edits the readme", {{"README.md", "# new title\n"}});
  test::write(p.repo / "README.md", "# my unsaved edit\n");
  const auto before = p.main_tip();
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(has(r.out, "uncommitted changes to README.md"), r.out);
  BOOST_TEST(p.main_tip() == before);
  BOOST_TEST(test::read(p.repo / "README.md") == "# my unsaved edit\n");
  BOOST_TEST(p.field(id, "merged_at").empty());
  BOOST_TEST(p.field(id, "status") == "done"); // nothing wrong with the story: it waits
  // Saved: it lands.
  test::git(p.repo, {"checkout", "--", "README.md"});
  auto ok = p.sdlc({"land"});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(test::read(p.repo / "README.md") == "# new title\n");
}

BOOST_AUTO_TEST_CASE(land_refuses_what_cannot_land_and_explains) {
  lane_project p;
  auto added = p.sdlc({"add", "Not finished", "--status", "ready"});
  BOOST_REQUIRE(added.exit_code == 0);
  auto r = p.sdlc({"land", "S-0001"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(has(r.err, "S-0001 is ready: only done stories land"), r.err);
  auto help = p.sdlc({"land", "--help"});
  BOOST_TEST(has(help.out, "--dry-run"), help.out);
}

// merge.enabled in a run: stories land as they finish; one that conflicts is
// sent back, its rework merges the base in, and it lands in the same run.
BOOST_AUTO_TEST_CASE(a_run_with_the_lane_lands_every_story_and_reworks_a_conflict) {
  lane_project p;
  p.use_agent("  implement) echo \"$SDLC_STORY_ID\" > shared.txt;;\n"
              "  rework) git merge -q -X ours main -m 'merge main' >/dev/null 2>&1;"
              " echo \"$SDLC_STORY_ID after main\" > shared.txt;;\n");
  BOOST_REQUIRE(p.sdlc({"config", "merge.enabled", "true"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"config", "testCommand", "test -f shared.txt"}).exit_code == 0);
  for (const char* t : {"One", "Two", "Three"})
    BOOST_REQUIRE(p.sdlc({"add", t, "--status", "ready"}).exit_code == 0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "stories"});
  const auto before = p.main_tip();
  auto r = p.sdlc({"run", "--auto", "--concurrent", "3", "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  auto log = test::git(p.repo, {"log", "--format=%s", before + "..main"});
  BOOST_TEST(std::count(log.begin(), log.end(), '\n') == 3, log); // one commit per story
  int reworks = 0, reworked = 0;
  for (const char* id : {"S-0001", "S-0002", "S-0003"}) {
    BOOST_TEST(p.on_main(p.field(id, "merge_sha")), id);
    BOOST_TEST(p.field(id, "status") == "done");
    auto retries = p.field(id, "retry_count");
    const int n = retries.empty() ? 0 : std::stoi(retries);
    // The base handed over with a conflict may have moved again by the time
    // the rework lands (another story landed): then it conflicts once more.
    BOOST_TEST(n <= 2, id << ": " << retries);
    reworks += n;
    reworked += n > 0;
  }
  BOOST_TEST(reworked == 2); // three stories, one file: two of them conflicted
  BOOST_TEST(reworks <= 3);
  BOOST_TEST(has(r.out, "sent-back: shared.txt"), r.out);
  BOOST_TEST(has(test::read(p.repo / "shared.txt"), "after main"));
}

// A conflict is handed over in place: the base is merged into the story's
// worktree with the conflict markers left in, the finding names the files and
// what landed; an agent that only edits the file resolves it, and the merge
// is recorded (two parents), so the story lands next time.
BOOST_AUTO_TEST_CASE(a_conflict_is_left_in_the_story_worktree_for_the_agent_to_resolve) {
  lane_project p;
  p.use_agent("  rework) echo \"both sides\" > shared.txt;;\n");
  auto first = p.done_story("First", {{"shared.txt", "one\n"}});
  auto second = p.done_story("Second", {{"shared.txt", "two\n"}});
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  const auto wt = p.repo / p.field(second, "worktree_path");
  auto text = test::read(wt / "shared.txt");
  BOOST_TEST(has(text, "<<<<<<<"), text);
  BOOST_TEST(has(text, "one"), text);
  BOOST_TEST(has(text, "two"), text);
  auto story = test::read(p.repo / ".ai-sdlc/stories" / second / "story.md");
  BOOST_TEST(has(story, "resolve the merge conflict in shared.txt"), story);
  BOOST_TEST(has(story, "main now contains " + first), story);
  BOOST_TEST(p.field(second, "status") == "in-progress");

  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "agent"});
  auto run = p.sdlc({"run", "--auto", "--story", second, "--land"});
  BOOST_TEST(run.exit_code == 0, run.out << run.err);
  BOOST_TEST(test::read(p.repo / "shared.txt") == "both sides\n");
  BOOST_TEST(p.on_main(p.field(second, "merge_sha")));
  auto parents = test::git(p.repo, {"log", "-1", "--format=%p", p.field(second, "branch")});
  BOOST_TEST(std::count(parents.begin(), parents.end(), ' ') == 1, parents); // a merge commit
}

// Past the rework cap a story that cannot land is blocked, and the run says so.
BOOST_AUTO_TEST_CASE(a_story_that_never_lands_is_blocked_after_the_rework_cap) {
  lane_project p;
  // It even throws away the merge the lane leaves in its worktree.
  p.use_agent("  implement|rework) git merge --abort >/dev/null 2>&1;"
              " echo \"$SDLC_STORY_ID\" > shared.txt;;\n");
  BOOST_REQUIRE(p.sdlc({"config", "reviewConfig.maxRetries", "1"}).exit_code == 0);
  test::write(p.repo / "shared.txt", "base\n");
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "shared"});
  auto id = p.done_story("Base edit", {{"shared.txt", "landed first\n"}});
  // Its branch starts before the other lands, and its agent never merges.
  BOOST_REQUIRE(p.sdlc({"add", "Stubborn", "--status", "ready"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"worktrees", "add", "S-0002"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"land", id}).exit_code == 0);
  auto r = p.sdlc({"run", "--auto", "--story", "S-0002", "--land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(p.field("S-0002", "status") == "blocked");
  BOOST_TEST(has(p.field("S-0002", "blocked_reason"), "resolve the merge conflict in shared.txt"),
             p.field("S-0002", "blocked_reason"));
  BOOST_TEST(test::read(p.repo / "shared.txt") == "landed first\n");
}

// A landing killed after the branch moved but before the story said so: the
// next land finds the work on the base and records it, without a second,
// empty commit; a checkout left behind its branch is brought up to it.
BOOST_AUTO_TEST_CASE(landing_again_after_a_crash_neither_duplicates_nor_leaves_files_behind) {
  lane_project p;
  auto id = p.done_story("Once", {{"src/once.txt", "once\n"}});
  BOOST_REQUIRE(p.sdlc({"land"}).exit_code == 0);
  const auto tip = p.main_tip();
  board b(p.repo, load_config(p.repo, {}));
  b.update(id, [](story& s) {
    s.erase("merged_at");
    s.erase("merge_sha");
  });
  // As if killed between moving main and updating the files: the file goes
  // back to the old state, the journal names both tips.
  auto parent = test::git(p.repo, {"rev-parse", "main~1"});
  parent = parent.substr(0, parent.find('\n'));
  stdfs::remove(p.repo / "src/once.txt");
  test::git(p.repo, {"rm", "-q", "--cached", "src/once.txt"});
  test::write(p.repo / ".git/sdlc-actors-landing", parent + " " + tip + "\n");
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(has(r.out, "finished an interrupted landing"), r.out);
  BOOST_TEST(p.main_tip() == tip); // no empty second commit
  BOOST_TEST(p.field(id, "merge_sha") == tip);
  BOOST_TEST(test::read(p.repo / "src/once.txt") == "once\n");
  BOOST_TEST(!stdfs::exists(p.repo / ".git/sdlc-actors-landing"));
}

// libgit2's checkout writes a file in place, so a kill inside it leaves the
// file cut short (fault_landing_kill met one, empty): the next land finishes
// it, since every byte there is in what replaces it. Anything else in its
// place is a person's: kept, named, and the landing waits.
BOOST_AUTO_TEST_CASE(a_file_a_killed_checkout_cut_short_is_finished_and_an_edit_is_kept) {
  lane_project p;
  p.done_story("Twice", {{"src/twice.txt", "twice, all of it\n"}});
  BOOST_REQUIRE(p.sdlc({"land"}).exit_code == 0);
  const auto tip = p.main_tip();
  auto parent = test::git(p.repo, {"rev-parse", "main~1"});
  parent = parent.substr(0, parent.find('\n'));
  const auto journal = p.repo / ".git/sdlc-actors-landing";
  const auto file = p.repo / "src/twice.txt";
  test::git(p.repo, {"rm", "-q", "--cached", "src/twice.txt"}); // the index as before
  for (const std::string cut : {"", "twice, a"}) {
    test::write(file, cut);
    test::write(journal, parent + " " + tip + "\n");
    auto r = p.sdlc({"land"});
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "finished an interrupted landing"), r.out);
    BOOST_TEST(test::read(file) == "twice, all of it\n");
    BOOST_TEST(!stdfs::exists(journal));
    test::git(p.repo, {"rm", "-q", "--cached", "src/twice.txt"});
  }
  test::write(file, "twice, mine\n"); // not a beginning of what lands
  test::write(journal, parent + " " + tip + "\n");
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code != 0);
  BOOST_TEST(has(r.err, "src/twice.txt changed since"), r.out << r.err);
  BOOST_TEST(test::read(file) == "twice, mine\n");
  BOOST_TEST(stdfs::exists(journal));
}

// What landing writes (merged_at, merge_sha, a REJECTED review for a culprit)
// is read by the real ai-sdlc, and the base only ever moves forward: the tip
// before landing stays an ancestor of the tip after it.
BOOST_AUTO_TEST_CASE(ai_sdlc_reads_what_landing_wrote_and_no_commit_is_lost) {
  lane_project p;
  auto good = p.done_story("Good", {{"src/good.txt", "fine\n"}});
  auto bad = p.done_story("Bad", {{"src/bad.txt", "BAD\n"}});
  const auto before = p.main_tip();
  auto r = p.sdlc({"land"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(p.on_main(before));
  BOOST_TEST(p.on_main(p.field(good, "merge_sha")));
  for (const auto& id : {good, bad}) {
    auto details = test::run({test::ai_sdlc(), "details", id}, p.repo, p.env);
    BOOST_TEST(details.exit_code == 0, id << details.out << details.err);
  }
  auto status = test::run({test::ai_sdlc(), "status"}, p.repo, p.env);
  BOOST_TEST(status.exit_code == 0, status.out << status.err);
  BOOST_TEST(has(status.out, "Good"), status.out);
  BOOST_TEST(has(status.out, "Bad"), status.out);
  BOOST_TEST(p.field(bad, "status") == "in-progress");
}
