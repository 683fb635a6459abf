#define BOOST_TEST_MODULE kill_orchestrator
// Issue 8: SIGKILL the orchestrator at random instants of a concurrent run,
// run it again, and every story finishes with each action applied exactly
// once, and nothing of the killed runs stays alive. Iterations: 10 here,
// SDLC_FAULT_ITERATIONS for the soak script (tools/soak/kill-orchestrator).
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <unistd.h>
#include <random>
#include <regex>
#include <thread>

using namespace sdlc;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Each action takes a moment; implement writes a file named after the story.
const char* agent = R"sh(#!/bin/sh
sleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 4 + 1 ))
case "$SDLC_ACTION" in
  implement|rework) echo "$SDLC_STORY_ID" > "$SDLC_STORY_ID.txt"; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";

int iterations() {
  const char* n = std::getenv("SDLC_FAULT_ITERATIONS");
  return n ? std::max(1, std::atoi(n)) : 10;
}

} // namespace

BOOST_AUTO_TEST_CASE(sigkill_at_random_instants_then_every_story_done_exactly_once) {
  std::mt19937 rng(std::random_device{}());
  int recoveries = 0;
  for (int it = 1; it <= iterations(); ++it) {
    test::temp_dir d;
    auto repo = d.path / "repo";
    std::string marker = fmt::format("fault{}x{}", it, rng());
    std::map<std::string, std::string> env = {{"RUN_MARKER", marker}, {"NO_COLOR", "1"}};
    auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
    test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
    for (int i = 1; i <= 4; ++i) {
      std::vector<std::string> args = {"add", fmt::format("Story {}", i), "--status", "ready"};
      if (i == 3) args.insert(args.end(), {"--depends-on", "S-0001"});
      BOOST_REQUIRE(sdlc(args).exit_code == 0);
    }
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});

    // Kill the first run somewhere in its life (a run takes ~3-5 s).
    auto pid = test::spawn_background({SDLC_BIN, "run", "--concurrent", "2"}, repo, env,
                                      d.path / "run0.out");
    auto at = std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 3500)(rng));
    std::this_thread::sleep_for(at);
    ::kill(pid, SIGKILL);
    test::wait_exit(pid);

    // Run again until it reports success (a second kill is not part of this).
    test::run_result r;
    for (int attempt = 0; attempt < 3; ++attempt) {
      r = sdlc({"run", "--concurrent", "2"});
      if (r.exit_code == 0 || r.out.find("nothing to run") != std::string::npos) break;
    }
    BOOST_TEST_MESSAGE("iteration " << it << ": killed after " << at.count() << " ms");
    BOOST_TEST(r.exit_code == 0, "iteration " << it << "\n"
                                              << test::read(d.path / "run0.out") << "\n---\n"
                                              << r.out << r.err);
    // The killed run's lock files: a recovery run with work removes them at
    // its start. One that finds nothing to run (the kill cut the last story's
    // last write) leaves them to the next run or to `cleanup`, as documented.
    if (r.out.find("nothing to run") != std::string::npos)
      BOOST_TEST(sdlc({"cleanup"}).exit_code == 0);
    bool all_done = true;
    for (int i = 1; i <= 4; ++i) {
      auto id = fmt::format("S-{:04d}", i);
      auto dir = repo / ".ai-sdlc/stories" / id;
      auto s = story::load(dir / "story.md");
      all_done &= s.str("status") == "done";
      BOOST_TEST(s.str("status") == "done", "iteration " << it << " " << id << "\n"
                                                         << test::read(d.path / "run0.out")
                                                         << "\n---\n"
                                                         << r.out << r.err);
      // No lock file is left, kept by a session or cut off by the kill.
      BOOST_TEST(!std::filesystem::exists(dir / ".story.md.lock"),
                 "iteration " << it << " " << id << ": lock file left: '"
                              << test::read(dir / ".story.md.lock") << "'\n"
                              << test::read(d.path / "run0.out") << "\n---\n"
                              << r.out << r.err);
      // Each action's effect once: one completion each, one implement commit.
      if (!std::filesystem::exists(dir / ".workflow-state.json")) continue; // reported above
      auto state = json::parse(test::read(dir / ".workflow-state.json"));
      std::map<std::string, int> count;
      for (const auto& a : state["completedActions"])
        ++count[a["type"].get<std::string>()];
      for (auto a : {"research", "plan", "implement", "review"})
        BOOST_TEST(count[a] == 1, "iteration " << it << " " << id << " " << a << " x" << count[a]);
      auto branch = s.str("branch");
      BOOST_REQUIRE(!branch.empty());
      auto commits = test::git(repo, {"log", "--format=%s", "main.." + branch});
      BOOST_TEST(std::count(commits.begin(), commits.end(), '\n') ==
                     1 + (id == "S-0003" ? 1 : 0), // S-0003's branch holds S-0001's too
                 "iteration " << it << " " << id << "\n"
                              << commits);
    }
    if (all_done) ++recoveries;
    BOOST_TEST(test::none_alive_with_env(marker), "iteration " << it << ": orphans");
    BOOST_TEST(!std::filesystem::exists(repo / ".ai-sdlc/run.lock"));
  }
  BOOST_TEST_MESSAGE("recoveries: " << recoveries << " of " << iterations());
}

BOOST_AUTO_TEST_CASE(a_second_run_on_the_same_board_is_refused_while_one_is_live) {
  test::temp_dir d;
  auto repo = d.path / "repo";
  std::map<std::string, std::string> env = {{"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
  test::make_command_agent_board(repo, d.path / "slow.sh", "#!/bin/sh\nsleep 3\necho notes\n", env);
  BOOST_REQUIRE(sdlc({"add", "Slow story", "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  auto pid = test::spawn_background({SDLC_BIN, "run", "--auto", "--story", "S-0001"}, repo, env,
                                    d.path / "first.out");
  for (int i = 0; i < 100 && !std::filesystem::exists(repo / ".ai-sdlc/run.lock"); ++i)
    std::this_thread::sleep_for(50ms);
  auto second = sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(second.exit_code == 1, second.out << second.err);
  BOOST_TEST(second.err.find("another run is using this board: pid " + std::to_string(pid)) !=
                 std::string::npos,
             second.err);
  BOOST_TEST(second.err.find("--force-unlock") != std::string::npos);
  // A killed run's lock is taken over without a word.
  ::kill(pid, SIGKILL);
  test::wait_exit(pid);
  auto third = sdlc({"run", "--auto", "--story", "S-0001", "--dry-run"});
  BOOST_TEST(third.exit_code == 0, third.err);
  auto fourth = sdlc({"run", "--continue"});
  BOOST_TEST(fourth.err.find("another run") == std::string::npos, fourth.err);
}

BOOST_AUTO_TEST_CASE(git_locks_left_by_a_killed_run_are_cleared_on_resume) {
  // A run killed inside a libgit2 operation leaves index.lock (and maybe a
  // ref lock) in the story worktree's git dir; found by the random kills.
  test::temp_dir d;
  auto repo = d.path / "repo";
  std::map<std::string, std::string> env = {{"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
  test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
  BOOST_REQUIRE(sdlc({"add", "Locked story", "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  BOOST_REQUIRE(sdlc({"worktrees", "add", "S-0001"}).exit_code == 0);
  auto gitdir = repo / ".git/worktrees/S-0001-locked-story";
  BOOST_REQUIRE(std::filesystem::is_directory(gitdir));
  test::write(gitdir / "index.lock", "");
  test::write(repo / ".git/refs/heads/ai-sdlc/S-0001-locked-story.lock", "");
  auto r = sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("index.lock left by an interrupted run") != std::string::npos, r.out);
  BOOST_TEST(!std::filesystem::exists(gitdir / "index.lock"));
  BOOST_TEST(story::load(repo / ".ai-sdlc/stories/S-0001/story.md").str("status") == "done");
}

BOOST_AUTO_TEST_CASE(an_implement_killed_after_its_commit_is_recorded_not_redone) {
  // The window between committing an implement's edits and setting the
  // story's flag: the state still says implement is running. Built by hand
  // (a kill cannot aim at it): a redo here would append a second line and
  // commit it a second time.
  test::temp_dir d;
  auto repo = d.path / "repo";
  std::map<std::string, std::string> env = {{"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
  const char* appending = R"sh(#!/bin/sh
case "$SDLC_ACTION" in
  implement|rework) echo line >> "$SDLC_STORY_ID.txt"; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";
  test::make_command_agent_board(repo, d.path / "agent.sh", appending, env);
  BOOST_REQUIRE(sdlc({"add", "Append once", "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  BOOST_REQUIRE(sdlc({"worktrees", "add", "S-0001"}).exit_code == 0);
  const auto dir = repo / ".ai-sdlc/stories/S-0001";
  auto text = test::read(dir / "story.md");
  for (auto flag : {"research_complete", "plan_complete"})
    text = std::regex_replace(text, std::regex(std::string(flag) + ": false"),
                              std::string(flag) + ": true");
  text = std::regex_replace(text, std::regex("status: ready"), "status: in-progress");
  test::write(dir / "story.md", text);
  test::git(repo, {"commit", "-qam", "research and plan done"});
  const auto wt = repo / story::load(dir / "story.md").str("worktree_path");
  const auto base = test::git(wt, {"rev-parse", "HEAD"});
  test::write(wt / "S-0001.txt", "line\n");
  test::git(wt, {"add", "-A"});
  test::git(wt, {"commit", "-qm", "S-0001: implement — Append once\n\nCommitted by sdlc-actors."});
  test::write(dir / ".workflow-state.json",
              json{{"version", "1.0"},
                   {"workflowId", "w"},
                   {"timestamp", "t"},
                   {"currentAction",
                    {{"type", "implement"},
                     {"baseCommit", base.substr(0, base.size() - 1)},
                     {"worktree", wt.string()}}},
                   {"completedActions", json::array({{{"type", "research"}}, {{"type", "plan"}}})},
                   {"context", json::object()}}
                  .dump());

  auto r = sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("'implement' had committed before the interruption; recorded it") !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("implement started") == std::string::npos, r.out);
  auto s = story::load(dir / "story.md");
  BOOST_TEST(s.str("status") == "done");
  BOOST_TEST(test::read(wt / "S-0001.txt") == "line\n");
  auto commits = test::git(repo, {"log", "--format=%s", "main.." + s.str("branch")});
  BOOST_TEST(commits == "S-0001: implement — Append once\n");
}

namespace {

// A board of one story whose agent, until `release` exists, writes its pid to
// agent.pid and hangs on; `start_hanging_run` starts a run and waits for it.
struct hanging_board {
  test::temp_dir d;
  std::filesystem::path repo = d.path / "repo";
  std::string marker = fmt::format("leftover{}", std::random_device{}());
  std::map<std::string, std::string> env = {{"RUN_MARKER", marker},
                                            {"NO_COLOR", "1"},
                                            {"RELEASE", (d.path / "release").string()},
                                            {"AGENT_PID", (d.path / "agent.pid").string()}};
  hanging_board() {
    test::make_command_agent_board(repo, d.path / "agent.sh", R"sh(#!/bin/sh
if [ ! -f "$RELEASE" ]; then echo $$ > "$AGENT_PID.tmp"; mv "$AGENT_PID.tmp" "$AGENT_PID"; exec sleep 300; fi
case "$SDLC_ACTION" in
  implement|rework) echo done > "$SDLC_STORY_ID.txt"; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh",
                                   env);
    BOOST_REQUIRE(sdlc({"add", "Hanging story", "--status", "ready"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  test::run_result sdlc(const std::vector<std::string>& a) { return test::sdlc(repo, a, env); }
  // The run's pid; its agent's pid in `hung`.
  int start_hanging_run(int& hung) {
    int pid = test::spawn_background({SDLC_BIN, "run", "--concurrent", "2"}, repo, env,
                                     d.path / "run0.out");
    BOOST_REQUIRE_MESSAGE(
        test::eventually([&] { return std::filesystem::exists(d.path / "agent.pid"); }),
        test::read(d.path / "run0.out"));
    hung = std::stoi(test::read(d.path / "agent.pid"));
    return pid;
  }
};

} // namespace

// A run killed just after it started an agent, before any file could name it,
// and its guard with it (`kill -9` of the whole group): the agent goes on in
// its own process group. The next run finds it by the board in its
// environment and stops it before a story starts; a process marked with
// another board is left alone.
BOOST_AUTO_TEST_CASE(the_next_run_stops_an_agent_no_checkpoint_names_and_only_its_boards) {
  hanging_board h;
  auto& d = h.d;
  // Processes of a story with the same id, each in its own session, marked
  // with another board of this machine and with this board's path on another
  // machine (a worker node here runs jobs of other machines' runs).
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto here = std::filesystem::canonical(h.repo / ".ai-sdlc").string();
  auto marked = [&](const std::string& board) {
    return test::spawn_background({"/usr/bin/setsid", "sleep", "300"}, d.path,
                                  {{"SDLC_BOARD", board}, {"SDLC_STORY_ID", "S-0001"}});
  };
  test::child_guard other_board(marked(std::string(host) + ":" + d.path.string() + "/o/.ai-sdlc"));
  test::child_guard other_host(marked("elsewhere:" + here));

  int hung = 0;
  test::child_guard run0(h.start_hanging_run(hung));
  BOOST_REQUIRE_EQUAL(test::kill_with_its_guard(run0.pid()), 1); // the guard cannot act
  run0.wait();
  BOOST_REQUIRE_MESSAGE(::kill(hung, 0) == 0, "the killed run's agent should still run");
  auto state = json::parse(test::read(h.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json"));
  BOOST_TEST(state["currentAction"].is_object(), state.dump()); // interrupted
  BOOST_TEST(!state["currentAction"].contains("pid"), state.dump());

  test::write(d.path / "release", "");
  auto r = h.sdlc({"run", "--concurrent", "2"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(
      r.out.find(fmt::format("S-0001: stopped agent process group {} left by an interrupted run",
                             hung)) != std::string::npos,
      r.out);
  BOOST_TEST(story::load(h.repo / ".ai-sdlc/stories/S-0001/story.md").str("status") == "done");
  BOOST_TEST(test::none_alive_with_env(h.marker), "orphans");
  BOOST_TEST(!other_board.wait_for(0ms).has_value(), "another board's process was stopped");
  BOOST_TEST(!other_host.wait_for(0ms).has_value(),
             "another machine's board's process was stopped");
}

// `cleanup` stops what a killed run (and its guard) left running (`--dry-run`
// names it), and never a live run's agents.
BOOST_AUTO_TEST_CASE(cleanup_stops_a_killed_runs_agent_never_a_live_runs) {
  hanging_board h;
  int hung = 0;
  test::child_guard run0(h.start_hanging_run(hung));
  auto live = h.sdlc({"cleanup"});
  BOOST_TEST(live.exit_code == 0, live.out << live.err);
  BOOST_TEST(live.out.find("agent process group") == std::string::npos, live.out);
  BOOST_TEST(::kill(hung, 0) == 0, "a live run's agent was stopped");

  BOOST_REQUIRE_EQUAL(test::kill_with_its_guard(run0.pid()), 1); // the guard cannot act
  run0.wait();
  const auto group = fmt::format("agent process group: {} (S-0001)", hung);
  auto dry = h.sdlc({"cleanup", "--dry-run"});
  BOOST_TEST(dry.out.find("would stop " + group) != std::string::npos, dry.out);
  BOOST_TEST(::kill(hung, 0) == 0, "--dry-run stopped it");
  auto r = h.sdlc({"cleanup"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("stopped " + group + " — left by an interrupted run") != std::string::npos,
             r.out);
  BOOST_TEST(test::none_alive_with_env(h.marker), "orphans");
  BOOST_TEST(!std::filesystem::exists(h.repo / ".ai-sdlc/run.lock"));
}

// A run killed while its agent works, its guard alive: nothing else runs on
// the board, yet the agent is stopped at once (it would have edited on, and
// spent tokens, until the next run), and the run's lock goes with the guard.
BOOST_AUTO_TEST_CASE(a_killed_runs_guard_stops_its_agent_at_once) {
  hanging_board h;
  int hung = 0;
  test::child_guard run0(h.start_hanging_run(hung));
  ::kill(run0.pid(), SIGKILL);
  run0.wait();
  BOOST_TEST(test::none_alive_with_env(h.marker), "the agent (or the guard) outlived the run");
  const auto out = test::read(h.d.path / "run0.out");
  BOOST_TEST(
      out.find(fmt::format("S-0001: stopped agent process group {} left by an interrupted run",
                           hung)) != std::string::npos,
      out);
  BOOST_TEST(!std::filesystem::exists(h.repo / ".ai-sdlc/run.lock"));

  test::write(h.d.path / "release", "");
  auto r = h.sdlc({"run", "--concurrent", "2"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("stopped agent process group") == std::string::npos, r.out);
  BOOST_TEST(story::load(h.repo / ".ai-sdlc/stories/S-0001/story.md").str("status") == "done");
  // A run that ends by its own hand takes its guard with it.
  BOOST_TEST(test::processes_with_env(h.marker).empty(), "a guard outlived the run");
}

// A run lock held by a killed run's guard is waited for (the guard holds it
// while it stops what the run left); one held by a live run is refused at once.
BOOST_AUTO_TEST_CASE(a_run_waits_for_a_guard_but_not_for_a_live_run) {
  hanging_board h;
  board b(h.repo, load_config(h.repo, {}));
  const auto path = run_lock_file(b);
  auto held = std::make_unique<file_lock>(path, 0ms, "the board");
  test::write(path, fmt::format("pid {}\nsince 2026-12-05T00:00:00Z\ncommand sdlc-actors "
                                "run-guard {} 1\n",
                                ::getpid(), b.sdlc_dir().string()));
  std::atomic<bool> released{false};
  std::thread guard([&] {
    std::this_thread::sleep_for(300ms);
    released = true;
    held.reset();
  });
  std::unique_ptr<file_lock> lock;
  try {
    lock = acquire_run_lock(b, false);
  } catch (const error& e) {
    BOOST_ERROR("refused while a guard held the lock: " << e.what());
  }
  BOOST_TEST(released.load(), "the lock was taken while the guard held it");
  guard.join();
  BOOST_TEST(bool(lock));
  lock.reset();

  held = std::make_unique<file_lock>(path, 0ms, "the board"); // names this test's process
  BOOST_CHECK_EXCEPTION(acquire_run_lock(b, false), error, [](const error& e) {
    return std::string(e.what()).find("another run is using this board") != std::string::npos;
  });
}
