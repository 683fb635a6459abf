#define BOOST_TEST_MODULE fault_landing_kill
// kill -9 of `land` at random instants: the base branch is always before or
// after a batch, never between; no story lands twice; the main checkout is
// never left behind its branch; the next `land` finishes the queue, takes
// over the dead one's lock and stops the check it left running.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <random>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

std::string git_out(const stdfs::path& repo, const std::vector<std::string>& args) {
  auto out = test::git(repo, args);
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

// Four done stories on their own branches, one file each; a test command
// slow enough that a kill lands anywhere in the lane's work.
stdfs::path make_project(const stdfs::path& dir, const std::map<std::string, std::string>& env) {
  auto repo = dir / "repo";
  test::make_git_repo(repo);
  BOOST_REQUIRE(test::sdlc(repo, {"init"}, env).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(repo, {"config", "testCommand", "sleep 0.1"}, env).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(repo, {"config", "merge.batchSize", "2"}, env).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  for (int i = 1; i <= 4; ++i) {
    auto id = "S-000" + std::to_string(i);
    BOOST_REQUIRE(test::sdlc(repo, {"add", "Story " + std::to_string(i), "--status", "ready"}, env)
                      .exit_code == 0);
    BOOST_REQUIRE(test::sdlc(repo, {"worktrees", "add", id}, env).exit_code == 0);
    board b(repo, load_config(repo, {}));
    auto wt = repo / b.find(id).str("worktree_path");
    test::write(wt / "src" / (id + ".txt"), id + "\n");
    test::git(wt, {"add", "-A"});
    test::git(wt, {"commit", "-q", "-m", "work of " + id});
    b.update(id, [](story& s) { s.set_string("status", "done"); });
  }
  return repo;
}

} // namespace

BOOST_AUTO_TEST_CASE(kill_9_during_landing_never_leaves_the_base_between_two_states) {
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int> delay_ms(0, 900);
  for (int round = 0; round < 10; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      test::temp_dir d;
      std::map<std::string, std::string> env{{"NO_COLOR", "1"}};
      auto repo = make_project(d.path, env);
      const auto base = git_out(repo, {"rev-parse", "main"});
      auto pid = test::spawn_background({SDLC_BIN, "land"}, repo, env, d.path / "land.out");
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      ::kill(pid, SIGKILL);
      test::wait_exit(pid);
      // Whole: every commit after the base is one story's complete commit.
      auto landed = git_out(repo, {"log", "--format=%s", base + "..main"});
      for (int i = 1; i <= 4; ++i) {
        auto id = "S-000" + std::to_string(i);
        bool in_log = landed.find(id + ":") != std::string::npos;
        bool followed = in_log == stdfs::exists(repo / "src" / (id + ".txt"));
        bool journal = stdfs::exists(repo / ".git/sdlc-actors-landing");
        BOOST_TEST((followed || journal), id); // the checkout follows, or the journal says it will
      }
      auto again = test::sdlc(repo, {"land"}, env);
      BOOST_TEST(again.exit_code == 0, again.out << again.err << test::read(d.path / "land.out"));
      auto log = git_out(repo, {"log", "--format=%s", base + "..main"});
      BOOST_TEST(std::count(log.begin(), log.end(), '\n') + 1 == 4, log); // each story once
      for (int i = 1; i <= 4; ++i) {
        auto id = "S-000" + std::to_string(i);
        BOOST_TEST(stdfs::exists(repo / "src" / (id + ".txt")), id);
        board b(repo, load_config(repo, {}));
        auto sha = b.find(id).str("merge_sha");
        BOOST_TEST(test::run({"/usr/bin/git", "-C", repo.string(), "merge-base", "--is-ancestor",
                              sha, "main"})
                           .exit_code == 0,
                   id);
        // Nothing unreachable: the story's own branch is kept.
        BOOST_TEST(!git_out(repo, {"branch", "--list", "ai-sdlc/" + id + "*"}).empty(), id);
      }
      BOOST_TEST(git_out(repo, {"status", "--porcelain", "--", "src", "README.md"}).empty());
      BOOST_TEST(!stdfs::exists(repo / ".git/sdlc-actors-landing"));
    }
  }
}

// A kill inside libgit2's checkout of the main checkout leaves git's
// index.lock (found by the random kills above, under ASan). Our claim names the
// dead process, so the next `land` clears that lock; a lock under a claim
// whose process lives, or with no claim at all, is someone else's: kept, and
// the error says which file and what to do.
BOOST_AUTO_TEST_CASE(a_dead_landings_locks_are_cleared_and_others_are_kept) {
  test::temp_dir d;
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}};
  auto repo = make_project(d.path, env);
  const auto claim = repo / ".git/sdlc-actors-index-claim";
  const auto lock = repo / ".git/index.lock";

  // Someone else's lock (no claim): kept, and named in the error.
  test::write(lock, "");
  auto refused = test::sdlc(repo, {"land"}, env);
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(refused.err.find(lock.string()) != std::string::npos, refused.out << refused.err);
  BOOST_TEST(stdfs::exists(lock));

  // A live claimant's (this test process): kept.
  test::write(claim, "pid " + std::to_string(::getpid()) + "\n"); // file_lock's holder text
  std::this_thread::sleep_for(20ms);
  test::write(lock, "");
  BOOST_TEST(test::sdlc(repo, {"land"}, env).exit_code != 0);
  BOOST_TEST(stdfs::exists(lock));

  // Someone else's lock on the branch the lane moves (no dead claim): kept,
  // and named in the error.
  const auto ref_lock = repo / ".git/refs/heads/main.lock";
  stdfs::remove(lock);
  stdfs::remove(claim);
  test::write(ref_lock, "");
  auto ref_refused = test::sdlc(repo, {"land"}, env);
  BOOST_TEST(ref_refused.exit_code != 0);
  BOOST_TEST(ref_refused.err.find(ref_lock.string()) != std::string::npos,
             ref_refused.out << ref_refused.err);
  BOOST_TEST(stdfs::exists(ref_lock));

  // A dead claimant's (killed inside a checkout, or inside the branch's
  // update): its locks go, and the queue lands.
  auto dead = test::spawn_background({"/bin/true"}, repo, env, d.path / "true.out");
  test::wait_exit(dead);
  test::write(claim, "pid " + std::to_string(dead) + "\n");
  std::this_thread::sleep_for(20ms);
  test::write(lock, "");
  test::write(ref_lock, "");
  auto landed = test::sdlc(repo, {"land"}, env);
  BOOST_TEST(landed.exit_code == 0, landed.out << landed.err);
  BOOST_TEST(!stdfs::exists(lock));
  BOOST_TEST(!stdfs::exists(ref_lock));
  BOOST_TEST(!stdfs::exists(claim));
  for (int i = 1; i <= 4; ++i)
    BOOST_TEST(stdfs::exists(repo / "src" / ("S-000" + std::to_string(i) + ".txt")), i);
}

namespace {

// A project whose landing test command, until `release` exists, writes its
// pid to check.pid and hangs on; `land0` is a `land` waiting on it.
struct hanging_check {
  test::temp_dir d;
  std::string marker = "landcheck" + std::to_string(std::random_device{}());
  std::map<std::string, std::string> env{{"NO_COLOR", "1"},
                                         {"RUN_MARKER", marker},
                                         {"RELEASE", (d.path / "release").string()},
                                         {"CHECK_PID", (d.path / "check.pid").string()}};
  stdfs::path repo = make_project(d.path, env);
  int check = 0; // the hanging command's pid

  hanging_check() {
    BOOST_REQUIRE(test::sdlc(repo,
                             {"config", "testCommand",
                              R"(test -f "$RELEASE" || { echo $$ > "$CHECK_PID.tmp"; )"
                              R"(mv "$CHECK_PID.tmp" "$CHECK_PID"; exec sleep 300; })"},
                             env)
                      .exit_code == 0);
  }
  // Starts `land` and waits until its test command hangs.
  int start_land() {
    int pid = test::spawn_background({SDLC_BIN, "land"}, repo, env, d.path / "land0.out");
    BOOST_REQUIRE_MESSAGE(test::eventually([&] { return stdfs::exists(d.path / "check.pid"); }),
                          test::read(d.path / "land0.out"));
    check = std::stoi(test::read(d.path / "check.pid"));
    return pid;
  }
};

} // namespace

// A `land` killed while its test command runs, and its guard with it: the
// command leads its own process group and goes on in the landing's folder. It
// carries the board's mark, so `cleanup --dry-run` names it, and the next
// `land` stops it before it tests anything; the queue then lands.
BOOST_AUTO_TEST_CASE(the_next_land_stops_a_check_a_killed_land_left_running) {
  hanging_check h;
  test::child_guard land0(h.start_land());
  BOOST_REQUIRE_EQUAL(test::kill_with_its_guard(land0.pid()), 1); // the guard cannot act
  land0.wait();
  BOOST_REQUIRE_MESSAGE(::kill(h.check, 0) == 0, "the killed land's check should still run");

  auto dry = test::sdlc(h.repo, {"cleanup", "--dry-run"}, h.env);
  BOOST_TEST(dry.out.find(fmt::format("would stop landing check process group: {} (S-0001, "
                                      "S-0002)",
                                      h.check)) != std::string::npos,
             dry.out);
  test::write(h.d.path / "release", "");
  auto again = test::sdlc(h.repo, {"land"}, h.env);
  BOOST_TEST(again.exit_code == 0, again.out << again.err);
  BOOST_TEST(again.out.find(fmt::format("S-0001, S-0002: stopped landing check process group {} "
                                        "left by an interrupted run",
                                        h.check)) != std::string::npos,
             again.out);
  BOOST_TEST(test::none_alive_with_env(h.marker), "orphans");
  for (int i = 1; i <= 4; ++i)
    BOOST_TEST(stdfs::exists(h.repo / "src" / ("S-000" + std::to_string(i) + ".txt")), i);
}

// A `land` killed while its test command runs, its guard alive: the guard
// stops the command at once, and the next `land` finds nothing left.
BOOST_AUTO_TEST_CASE(a_killed_lands_guard_stops_its_check_at_once) {
  hanging_check h;
  test::child_guard land0(h.start_land());
  ::kill(land0.pid(), SIGKILL);
  land0.wait();
  BOOST_TEST(test::none_alive_with_env(h.marker), "the check (or the guard) outlived `land`");
  const auto out = test::read(h.d.path / "land0.out");
  BOOST_TEST(out.find(fmt::format("S-0001, S-0002: stopped landing check process group {} left by "
                                  "an interrupted run",
                                  h.check)) != std::string::npos,
             out);
  BOOST_TEST(!stdfs::exists(h.repo / ".ai-sdlc/run.lock"));
  test::write(h.d.path / "release", "");
  auto again = test::sdlc(h.repo, {"land"}, h.env);
  BOOST_TEST(again.exit_code == 0, again.out << again.err);
  BOOST_TEST(again.out.find("stopped landing check") == std::string::npos, again.out);
  BOOST_TEST(test::processes_with_env(h.marker).empty(), "a guard outlived the second `land`");
}
