#define BOOST_TEST_MODULE lock_contention
// Issue 8: a run and many concurrent `add`s on the same board, some of the
// adds SIGKILLed at random instants. The board stays whole (every file
// parses, ids unique), every add that said so is there exactly once, the run
// finishes its stories, and `cleanup` removes what the killed adds left.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/fs.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <csignal>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

const char* agent = R"sh(#!/bin/sh
sleep 0.3
case "$SDLC_ACTION" in
  implement|rework) echo "$SDLC_STORY_ID" > "$SDLC_STORY_ID.txt"; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";

std::vector<stdfs::path> leftovers_under(const stdfs::path& dir) {
  std::vector<stdfs::path> out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir))
    if (fs::leftover_writer_pid(e.path().filename().string())) out.push_back(e.path());
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(adds_racing_a_run_and_killed_at_random_leave_the_board_whole) {
  test::temp_dir d;
  auto repo = d.path / "repo";
  std::map<std::string, std::string> env = {{"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
  test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
  for (int i = 1; i <= 3; ++i)
    BOOST_REQUIRE(sdlc({"add", fmt::format("Run story {}", i), "--status", "ready"}).exit_code ==
                  0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});

  auto run_pid =
      test::spawn_background({SDLC_BIN, "run", "--concurrent", "2"}, repo, env, d.path / "run.out");
  // No Boost.Test assertion in the adder threads (it is not thread-safe):
  // they record what happened, the test thread checks it.
  std::mutex m;
  std::vector<std::string> added;    // titles whose add exited 0
  std::vector<std::string> killed;   // titles whose add was SIGKILLed
  std::vector<std::string> problems; // adds that failed otherwise
  auto adder = [&](int t) {
    std::mt19937 rng(std::random_device{}() + t);
    for (int i = 0; i < 12; ++i) {
      auto title = fmt::format("Added {} {}", t, i);
      auto pid = test::spawn_quietly({SDLC_BIN, "add", title}, repo, env, "/dev/null");
      if (pid < 0) {
        std::lock_guard<std::mutex> g(m);
        problems.push_back(title + ": cannot spawn");
        continue;
      }
      if (rng() % 3 == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 40000));
        ::kill(pid, SIGKILL);
      }
      int code = test::wait_exit(pid);
      std::lock_guard<std::mutex> g(m);
      if (code == 0)
        added.push_back(title);
      else if (code == 128 + SIGKILL)
        killed.push_back(title);
      else
        problems.push_back(fmt::format("{}: exit {}", title, code));
    }
  };
  std::vector<std::thread> adders;
  for (int t = 0; t < 3; ++t)
    adders.emplace_back(adder, t);
  for (auto& t : adders)
    t.join();
  int run_code = test::wait_exit(run_pid);
  BOOST_TEST(run_code == 0, test::read(d.path / "run.out"));
  BOOST_TEST_MESSAGE(added.size() << " adds completed, " << killed.size() << " killed");
  BOOST_TEST(problems.empty(), fmt::format("{}", fmt::join(problems, "; ")));
  BOOST_TEST(added.size() + killed.size() == 36u);

  // Every story file parses, no id twice, each completed add exactly once.
  board b(repo, load_config(repo, {}));
  auto scan = b.scan();
  for (const auto& p : scan.problems)
    BOOST_ERROR(p.file.string() << ": " << p.message);
  std::multiset<std::string> titles;
  for (const auto& s : scan.stories)
    titles.insert(s.title());
  for (const auto& t : added)
    BOOST_TEST(titles.count(t) == 1u, t);
  for (const auto& t : killed)
    BOOST_TEST(titles.count(t) <= 1u, t);
  for (int i = 1; i <= 3; ++i) {
    auto s = b.find(fmt::format("S-{:04d}", i));
    BOOST_TEST(s.str("status") == "done", s.id());
  }

  // What killed adds left (staging folders, temp files) goes with cleanup,
  // and the next cleanup finds nothing.
  auto clean = sdlc({"cleanup"});
  BOOST_TEST(clean.exit_code == 0, clean.out << clean.err);
  BOOST_TEST(leftovers_under(repo / ".ai-sdlc").empty());
  BOOST_TEST(sdlc({"cleanup"}).out.find("nothing to clean up") != std::string::npos);
  BOOST_TEST(!stdfs::exists(repo / ".ai-sdlc/run.lock"));
  auto status = sdlc({"status"});
  BOOST_TEST(status.exit_code == 0, status.err);
}
