#define BOOST_TEST_MODULE conflicts
// Issue 6: conflicts between real story branches, the pre-flight question
// (answered under a pseudo-terminal), the serialize policy, and `cleanup` of
// a deliberately damaged repository.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <regex>

using namespace sdlc;
using json = nlohmann::json;

namespace {

struct project {
  test::temp_dir d;
  std::filesystem::path repo = d.path / "repo";
  std::map<std::string, std::string> env;
  project() {
    test::make_git_repo(repo);
    test::write(repo / "src/a/x.txt", "one\ntwo\nthree\nfour\nfive\nsix\n");
    test::write(repo / "src/a/y.txt", "y\n");
    test::write(repo / "docs/z.md", "z\n");
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "base"});
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
  }
  test::run_result sdlc(const std::vector<std::string>& args) {
    return test::sdlc(repo, args, env);
  }
  std::string add(const std::string& title, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"add", title, "--status", "ready", "--json"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = sdlc(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out)["id"];
  }
  // A story branch from main with `file` changed as `content`.
  void branch(const std::string& name, const std::string& file, const std::string& content) {
    test::git(repo, {"checkout", "-q", "-b", name, "main"});
    test::write(repo / file, content);
    test::git(repo, {"commit", "-q", "-am", name});
    test::git(repo, {"checkout", "-q", "main"});
  }
  void commit_board() {
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  std::string status_of(const std::string& id) {
    return story::load(repo / ".ai-sdlc/stories" / id / "story.md").str("status");
  }
};

json pair_of(const json& j, const std::string& a, const std::string& b) {
  for (const auto& c : j["conflicts"])
    if ((c["a"] == a && c["b"] == b) || (c["a"] == b && c["b"] == a)) return c;
  return nullptr;
}

const char* quick_agent = R"sh(#!/bin/sh
sleep 0.5
case "$SDLC_ACTION" in
  implement|rework) echo "$SDLC_STORY_ID" >> shared.txt; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";

void use_agent(project& p, const std::string& script) {
  test::write(p.d.path / "agent.sh", script);
  std::filesystem::permissions(p.d.path / "agent.sh", std::filesystem::perms::owner_all);
  BOOST_REQUIRE(p.sdlc({"config", "agent.command", (p.d.path / "agent.sh").string()}).exit_code ==
                0);
}

void use_quick_agent(project& p) {
  use_agent(p, quick_agent);
}

// Commits the board and runs it three at a time; every story must end done.
test::run_result run_three_to_done(project& p, const std::vector<std::string>& ids) {
  p.commit_board();
  auto r = p.sdlc({"run", "--concurrent", "3", "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  for (const auto& id : ids)
    BOOST_TEST(p.status_of(id) == "done", id);
  return r;
}

// The time of the run's line "<time> <id> <what>" ("" when there is none).
std::string time_of(const std::string& out, const std::string& id, const std::string& what) {
  std::smatch m;
  std::regex re("(\\S+) " + id + " " + what);
  return std::regex_search(out, m, re) ? m[1].str() : std::string();
}

// Gives story `id` a plan that names shared.txt.
void plan_shared_txt(project& p, const std::string& id) {
  auto file = p.repo / ".ai-sdlc/stories" / id / "story.md";
  test::write(file, test::read(file) + "\n## Implementation Plan\n\n1. Append to `shared.txt`.\n");
}

// A ready story whose plan names shared.txt.
std::string rival(project& p, const std::string& title) {
  auto id = p.add(title);
  plan_shared_txt(p, id);
  return id;
}

// Two of them.
std::pair<std::string, std::string> two_rivals(project& p) {
  auto a = rival(p, "First rival");
  return {a, rival(p, "Second rival")};
}

} // namespace

BOOST_AUTO_TEST_CASE(severities_and_dry_run_merges_of_real_branches) {
  project p;
  auto s1 = p.add("Change x");
  auto s2 = p.add("Change x too");
  auto s3 = p.add("Change y");
  auto s4 = p.add("Change docs");
  auto s5 = p.add("Change x elsewhere");
  p.branch("ai-sdlc/" + s1 + "-change-x", "src/a/x.txt", "ONE\ntwo\nthree\nfour\nfive\nsix\n");
  p.branch("ai-sdlc/" + s2 + "-change-x-too", "src/a/x.txt", "uno\ntwo\nthree\nfour\nfive\nsix\n");
  p.branch("ai-sdlc/" + s3 + "-change-y", "src/a/y.txt", "Y\n");
  p.branch("ai-sdlc/" + s4 + "-change-docs", "docs/z.md", "Z\n");
  p.branch("ai-sdlc/" + s5 + "-change-x-elsewhere", "src/a/x.txt",
           "one\ntwo\nthree\nfour\nfive\nSIX\n");
  auto r = p.sdlc({"conflicts", "--json"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err); // a high-severity pair exists
  auto j = json::parse(r.out);
  auto c12 = pair_of(j, s1, s2);
  BOOST_TEST(c12["severity"] == "high");
  BOOST_TEST(c12["shared"] == json::array({"src/a/x.txt"}));
  BOOST_TEST(c12["merge_conflicts"] == json::array({"src/a/x.txt"})); // the same line
  auto c15 = pair_of(j, s1, s5);
  BOOST_TEST(c15["severity"] == "high");
  BOOST_TEST(c15["merge_conflicts"].empty()); // same file, different lines: merges cleanly
  BOOST_TEST(pair_of(j, s1, s3)["severity"] == "medium");
  BOOST_TEST(pair_of(j, s3, s4)["severity"] == "low");
  // Only the named stories, in text.
  auto t = p.sdlc({"conflicts", s3, s4});
  BOOST_TEST(t.exit_code == 0, t.out << t.err);
  BOOST_TEST(t.out.find("no conflicts") != std::string::npos, t.out);
}

BOOST_AUTO_TEST_CASE(files_predicted_from_a_plan_and_frontmatter) {
  project p;
  auto [a, b] = two_rivals(p);
  auto c = p.add("Listed files");
  auto file = p.repo / ".ai-sdlc/stories" / c / "story.md";
  auto text = test::read(file);
  test::write(file, std::regex_replace(text, std::regex("\n---\n"), "\nfiles: [src/a/y.txt]\n---\n",
                                       std::regex_constants::format_first_only));
  auto j = json::parse(p.sdlc({"conflicts", "--json"}).out);
  BOOST_TEST(pair_of(j, a, b)["severity"] == "high");
  BOOST_TEST(pair_of(j, a, b)["shared"] == json::array({"shared.txt"}));
  int listed = 0;
  for (const auto& s : j["stories"])
    if (s["id"] == c) {
      ++listed;
      BOOST_TEST(s["files"] == json::array({"src/a/y.txt"}));
    }
  BOOST_TEST(listed == 1); // the story is in the scan, with its files
}

BOOST_AUTO_TEST_CASE(without_a_terminal_a_conflicting_run_is_refused) {
  project p;
  use_quick_agent(p);
  auto [a, b] = two_rivals(p);
  p.commit_board();
  auto r = p.sdlc({"run", "--concurrent", "2"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.err.find(b + " may conflict with " + a + " (shared: shared.txt)") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("--yes") != std::string::npos);
  BOOST_TEST(p.status_of(a) == "ready"); // nothing started
}

BOOST_AUTO_TEST_CASE(serialize_never_runs_the_rivals_together) {
  project p;
  use_quick_agent(p);
  auto [a, b] = two_rivals(p);
  auto c = p.add("Unrelated");
  p.env["NO_COLOR"] = "1";
  auto r = run_three_to_done(p, {a, b, c});
  auto at = [&](const std::string& id, const std::string& what) {
    return time_of(r.out, id, what);
  };
  auto b_start = at(b, "started"), a_done = at(a, "done"), c_start = at(c, "started");
  BOOST_REQUIRE(!b_start.empty() && !a_done.empty() && !c_start.empty());
  BOOST_TEST(b_start >= a_done, "B started " << b_start << ", A done " << a_done);
  BOOST_TEST(c_start < a_done); // the unrelated story did not wait
}

// A story whose plan named no file edits one another story predicts: the
// re-check after its implement (files worked out by the story's own actor)
// keeps the rival waiting until it is done. Without the re-check the rival
// would start as soon as its dependency finished, while the editor reviews.
BOOST_AUTO_TEST_CASE(an_edit_no_plan_predicted_holds_its_rival_after_implement) {
  project p;
  p.env["NO_COLOR"] = "1";
  auto editor = p.add("Surprise editor");
  auto gate = p.add("Gate");
  auto rival = p.add("Predicted rival", {"--depends-on", gate});
  auto file = p.repo / ".ai-sdlc/stories" / rival / "story.md";
  test::write(file, std::regex_replace(test::read(file), std::regex("\n---\n"),
                                       "\nfiles: [src/a/x.txt]\n---\n",
                                       std::regex_constants::format_first_only));
  // {0}: the editor, {1}: the gate.
  use_agent(p, fmt::format(R"sh(#!/bin/sh
case "$SDLC_STORY_ID:$SDLC_ACTION" in
  {0}:implement) echo more >> src/a/x.txt;;
  {0}:review) sleep 5;;
  {1}:research) sleep 3;;
esac
if [ "$SDLC_ACTION" = review ]; then
  printf '```json\n{{"passed": true, "issues": []}}\n```\n'
else echo done; fi
)sh",
                           editor, gate));
  auto r = run_three_to_done(p, {editor, gate, rival});
  auto at = [&](const std::string& id, const std::string& what) {
    return time_of(r.out, id, what);
  };
  auto editor_done = at(editor, "done"), gate_done = at(gate, "done"),
       rival_start = at(rival, "started");
  BOOST_REQUIRE(!editor_done.empty() && !gate_done.empty() && !rival_start.empty());
  BOOST_TEST(gate_done < editor_done); // the rival was free to start before the editor was done
  BOOST_TEST(rival_start >= editor_done, "rival started " << rival_start << ", editor done "
                                                          << editor_done << "\n"
                                                          << r.out);
}

// run --watch: a story picked up while the run is going is checked as the
// run's start checks its stories. Its plan names the file the running
// story's plan names, so it waits until that one is done (conflicts.policy
// serialize) or is warned about (warn); an unrelated one picked up at the
// same time does not wait. The running story was on the board when the run
// started, or was picked up itself (a watch that started with nothing to
// do). Before, what a watch picked up was checked only after its own
// implement, and never warned about.
BOOST_AUTO_TEST_CASE(a_story_a_watch_picks_up_waits_for_its_rival) {
  struct {
    bool first_at_start;
    std::string policy;
  } cases[] = {{true, "serialize"}, {false, "serialize"}, {true, "warn"}};
  for (const auto& [first_at_start, policy] : cases) {
    BOOST_TEST_CONTEXT("first rival on the board at the start: " << first_at_start << ", "
                                                                 << policy) {
      project p;
      p.env["NO_COLOR"] = "1";
      BOOST_REQUIRE(p.sdlc({"config", "daemon.pollingInterval", "200"}).exit_code == 0);
      BOOST_REQUIRE(p.sdlc({"config", "conflicts.policy", policy}).exit_code == 0);
      // Blocked while its plan is written, so that no look takes it half-made.
      auto add_rival = [&p](const std::string& title) {
        auto added = p.sdlc({"add", title, "--status", "blocked", "--json"});
        BOOST_REQUIRE_MESSAGE(added.exit_code == 0, added.err);
        const std::string id = json::parse(added.out)["id"];
        plan_shared_txt(p, id);
        BOOST_REQUIRE(p.sdlc({"unblock", id}).exit_code == 0);
        return id;
      };
      // The first story to be added is S-0001: its review takes six seconds.
      use_agent(p, R"sh(#!/bin/sh
case "$SDLC_STORY_ID:$SDLC_ACTION" in
  S-0001:review) sleep 6;;
esac
case "$SDLC_ACTION" in
  implement|rework) echo "$SDLC_STORY_ID" >> shared.txt; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh");
      std::string a = first_at_start ? add_rival("First rival") : "";
      p.commit_board();
      const auto log = p.d.path / "run.log";
      test::child_guard run(test::spawn_background(
          {SDLC_BIN, "run", "--watch", "--concurrent", "3", "--yes"}, p.repo, p.env, log));
      if (!first_at_start) {
        BOOST_REQUIRE_MESSAGE(
            test::eventually([&] { return test::read(log).find("watching") != std::string::npos; }),
            test::read(log));
        a = add_rival("First rival");
      }
      BOOST_REQUIRE_EQUAL(a, "S-0001");
      BOOST_REQUIRE_MESSAGE(
          test::eventually([&] { return !time_of(test::read(log), a, "started").empty(); }),
          test::read(log));
      auto b = add_rival("Second rival");
      auto c = p.add("Unrelated");
      BOOST_REQUIRE_MESSAGE(test::eventually(
                                [&] {
                                  return p.status_of(a) == "done" && p.status_of(b) == "done" &&
                                         p.status_of(c) == "done";
                                },
                                std::chrono::seconds(60)),
                            test::read(log));
      ::kill(run.pid(), SIGINT);
      auto code = run.wait_for(std::chrono::seconds(30));
      BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(log));
      auto out = test::read(log);
      auto b_start = time_of(out, b, "started"), a_done = time_of(out, a, "done"),
           c_start = time_of(out, c, "started");
      BOOST_REQUIRE_MESSAGE(!b_start.empty() && !a_done.empty() && !c_start.empty(), out);
      const auto warning =
          b + " warning: " + b + " may conflict with " + a + " (shared: shared.txt)";
      if (policy == "serialize") {
        BOOST_TEST(b_start >= a_done, "B started " << b_start << ", A done " << a_done << "\n"
                                                   << out);
      } else {
        BOOST_TEST(b_start < a_done, out); // warned, not held
        BOOST_TEST(out.find(warning) != std::string::npos, out);
      }
      BOOST_TEST(c_start < a_done, out); // the unrelated story did not wait
      BOOST_TEST(out.find(b + " picked up: Second rival") != std::string::npos, out);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_question_under_a_pseudo_terminal) {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v script"}).exit_code == 0,
                        "`script` (util-linux) is needed for the pseudo-terminal test");
  for (const std::string answer : {"n", "y"}) {
    project p;
    use_quick_agent(p);
    auto [a, b] = two_rivals(p);
    p.commit_board();
    auto cmd = std::string("printf '") + answer + "\\n' | script -qec '" + SDLC_BIN +
               " run --concurrent 2' /dev/null";
    auto r = test::run({"/bin/sh", "-c", cmd}, p.repo);
    BOOST_TEST(r.out.find("Continue anyway? [y/N]") != std::string::npos, r.out);
    if (answer == "n") {
      BOOST_TEST(r.exit_code == 1, r.out);
      BOOST_TEST(r.out.find("not started") != std::string::npos, r.out);
      BOOST_TEST(p.status_of(a) == "ready");
    } else {
      BOOST_TEST(r.exit_code == 0, r.out);
      BOOST_TEST(p.status_of(a) == "done");
      BOOST_TEST(p.status_of(b) == "done");
    }
  }
}

BOOST_AUTO_TEST_CASE(cleanup_repairs_a_damaged_repository_and_nothing_else) {
  project p;
  auto done = p.add("Done one");
  auto live = p.add("Still going");
  auto gone = p.add("Folder deleted");
  auto lost = p.add("Lost worktree");
  auto orphan = p.add("Metadata deleted");
  for (const auto& id : {done, live, gone, lost, orphan})
    BOOST_REQUIRE(p.sdlc({"worktrees", "add", id}).exit_code == 0);
  auto story_file = [&](const std::string& id) {
    return p.repo / ".ai-sdlc/stories" / id / "story.md";
  };
  // done: its story is finished. gone: its folder deleted behind git's back.
  auto t = test::read(story_file(done));
  test::write(story_file(done), std::regex_replace(t, std::regex("status: ready"), "status: done"));
  auto wt_of = [&](const std::string& id) {
    return story::load(story_file(id)).str("worktree_path");
  };
  std::filesystem::remove_all(p.repo / wt_of(gone));
  // lost: a worktree whose story is no longer on the board.
  auto lost_wt = wt_of(lost);
  std::filesystem::remove_all(p.repo / ".ai-sdlc/stories" / lost);
  // orphan: a worktree of ours whose git metadata was deleted (its folder
  // is ours by its marker, and holds nothing its branch does not).
  auto orphan_wt = wt_of(orphan);
  std::filesystem::remove_all(p.repo / ".git/worktrees" /
                              std::filesystem::path(orphan_wt).filename());
  // A folder git does not know and we did not make, a stale lock, a dead
  // pid in a checkpoint.
  std::filesystem::create_directories(p.repo / ".ai-sdlc/worktrees/stray");
  test::write(p.repo / ".ai-sdlc/worktrees/stray/file", "x");
  test::write(story_file(live).parent_path() / ".story.md.lock",
              "pid 999999\nsince 2026-01-01T00:00:00Z\ncommand sdlc-actors run\n");
  test::write(
      story_file(live).parent_path() / ".workflow-state.json",
      R"({"version":"1.0","workflowId":"w","timestamp":"t","currentAction":{"type":"plan","pid":999999,"pgid":999999},"completedActions":[],"context":{}})");
  // A done story is never resumed: its checkpoint is left as it is.
  const auto done_state = story_file(done).parent_path() / ".workflow-state.json";
  const std::string done_checkpoint =
      R"({"version":"1.0","workflowId":"w","timestamp":"t","currentAction":{"type":"review","pid":999999,"pgid":999999},"completedActions":[],"context":{}})";
  test::write(done_state, done_checkpoint);
  // What killed writers leave: an atomic write's temp file, an add's staging
  // folder.
  const auto temp_file = story_file(live).parent_path() / ".story.md.tmp.999999.0.ff";
  const auto staging = p.repo / ".ai-sdlc/stories/.new-999999-abc123";
  test::write(temp_file, "half a story");
  test::write(staging / "story.md", "half a story");
  auto live_wt = p.repo / wt_of(live);
  test::write(live_wt / "work-in-progress.txt", "keep me\n");
  auto before_live = test::snapshot(live_wt);

  auto dry = p.sdlc({"cleanup", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.err);
  BOOST_TEST(std::filesystem::exists(p.repo / wt_of(done))); // dry run changed nothing
  BOOST_TEST(std::filesystem::exists(story_file(live).parent_path() / ".story.md.lock"));

  auto r = p.sdlc({"cleanup"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  for (auto what :
       {"pruned stale worktree metadata", "removed worktree without a story", "removed worktree",
        "removed orphaned worktree folder", "cleared missing worktree", "removed stale lock",
        "cleared dead agent pid", "removed leftover of a killed writer"})
    BOOST_TEST(r.out.find(what) != std::string::npos, what << "\n" << r.out);
  BOOST_TEST(test::read(done_state) == done_checkpoint);
  BOOST_TEST(!std::filesystem::exists(temp_file));
  BOOST_TEST(!std::filesystem::exists(staging));
  BOOST_TEST(!std::filesystem::exists(p.repo / lost_wt));
  BOOST_TEST(!std::filesystem::exists(p.repo / orphan_wt));
  // Not ours: left as it was, and not even mentioned.
  BOOST_TEST(test::read(p.repo / ".ai-sdlc/worktrees/stray/file") == "x");
  BOOST_TEST(r.out.find("stray") == std::string::npos, r.out);
  BOOST_TEST(!std::filesystem::exists(story_file(live).parent_path() / ".story.md.lock"));
  BOOST_TEST(story::load(story_file(gone)).str("worktree_path").empty());
  BOOST_TEST(story::load(story_file(done)).str("worktree_path").empty());
  auto state = json::parse(test::read(story_file(live).parent_path() / ".workflow-state.json"));
  BOOST_TEST(!state["currentAction"].contains("pid"));
  BOOST_TEST(state["currentAction"]["type"] == "plan"); // still resumable
  // Nothing else: the live story's worktree and every branch are as they were.
  BOOST_TEST((test::snapshot(live_wt) == before_live));
  auto branches = test::git(p.repo, {"branch", "--format=%(refname:short)"});
  for (const auto& id : {done, live, gone, lost, orphan})
    BOOST_TEST(branches.find("ai-sdlc/" + id) != std::string::npos, id);
  auto again = p.sdlc({"cleanup"});
  BOOST_TEST(again.out == "nothing to clean up\n", again.out);
}

BOOST_AUTO_TEST_CASE(worktree_limits_remove_done_ones_first_and_refuse_beyond) {
  project p;
  use_quick_agent(p);
  auto old = p.add("Old and done");
  auto a = p.add("First");
  auto b = p.add("Second");
  BOOST_REQUIRE(p.sdlc({"worktrees", "add", old}).exit_code == 0);
  auto file = p.repo / ".ai-sdlc/stories" / old / "story.md";
  test::write(file,
              std::regex_replace(test::read(file), std::regex("status: ready"), "status: done"));
  BOOST_REQUIRE(p.sdlc({"config", "worktree.maxCount", "1"}).exit_code == 0);
  p.commit_board();
  // The done story's worktree goes first (oldest done first); even so, two
  // new worktrees at once would break the limit: said before anything starts.
  auto r = p.sdlc({"run", "--concurrent", "2"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.out.find("cleanup: removed worktree: .ai-sdlc/worktrees/" + old) !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("more than worktree.maxCount (1)") != std::string::npos, r.out);
  BOOST_TEST(r.err.find("worktree.maxCount (1)") != std::string::npos, r.err);
  BOOST_TEST(p.status_of(a) == "ready");
  // One at a time fits.
  auto one = p.sdlc({"run", "--auto", "--story", a, "--worktree"});
  BOOST_TEST(one.exit_code == 0, one.out << one.err);
  auto list = p.sdlc({"worktrees", "--json"});
  auto j = json::parse(list.out);
  BOOST_REQUIRE(j.size() == 1u);
  BOOST_TEST(j[0]["story"] == a);
  BOOST_TEST(j[0]["size_bytes"].get<long>() > 0);
  (void)b;
}
