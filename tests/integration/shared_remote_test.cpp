#define BOOST_TEST_MODULE shared_remote
// A shared remote on a path is written by several processes at once: nodes
// push results while the orchestrator deletes the results it has taken.
// Pushes and fetches must not fail because another process deleted a ref of
// its own at the same moment (runtime/git/remote_race).
#include "runtime/git/remote_sync.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

// A repository with one commit on main, and a bare remote that has it.
struct shared_remote {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::string remote = (d.path / "remote.git").string();
  std::string sha;
  shared_remote() {
    test::make_git_repo(repo);
    test::git(d.path, {"init", "-q", "--bare", remote});
    test::git(repo, {"push", "-q", remote, "main"});
    sha = git::branch_tip(repo, "main").value_or("");
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(pushes_and_fetches_survive_another_process_deleting_refs_beside_them,
                        shared_remote) {

  // Another writer: makes and deletes a ref in the folder ours go into, as
  // the orchestrator takes another story's result; git removes the folder
  // whenever it is left empty. Its git processes are waited for here, so
  // none outlives the test.
  const std::string theirs = "refs/sdlc/results/node/ai-sdlc/S-0002-other";
  std::atomic<bool> stop{false};
  std::atomic<int> deleted{0};
  std::thread writer([&] {
    auto git = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"/usr/bin/git", "-C", remote});
      int pid = test::spawn_quietly(args, d.path, {}, d.path / "writer.log");
      return pid > 0 && test::wait_exit(pid) == 0;
    };
    while (!stop)
      if (git({"update-ref", theirs, sha}) && git({"update-ref", "-d", theirs})) ++deleted;
  });

  // Ours: a node pushes its result, the orchestrator fetches and deletes it.
  const std::string ours = "refs/sdlc/results/node/ai-sdlc/S-0001-ours";
  int failed = 0;
  std::string first;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  int rounds = 0;
  for (; rounds < 150 && std::chrono::steady_clock::now() < until; ++rounds) {
    try {
      git::push_branch_to(repo, remote, "main", ours);
      if (git::fetch_ref(repo, remote, ours).value_or("") != sha)
        throw std::runtime_error("fetched something else than " + sha);
      git::delete_remote_ref(repo, remote, ours);
    } catch (const std::exception& e) {
      if (failed++ == 0) first = e.what();
    }
  }
  stop = true;
  writer.join();
  BOOST_TEST(deleted >= 20, deleted << " deletions beside " << rounds << " rounds");
  BOOST_TEST(rounds >= 20);
  BOOST_TEST(failed == 0, failed << " of " << rounds << " rounds failed, first: " << first);
  BOOST_TEST(test::git(repo, {"for-each-ref", "refs/sdlc"}).empty());
}

// A lock nobody releases is not a race: after the retries the push fails,
// saying what it waited for and what to do, and the lock is left alone.
BOOST_FIXTURE_TEST_CASE(a_ref_locked_for_good_fails_after_the_retries_saying_so, shared_remote) {
  const std::string ref = "refs/sdlc/results/node/ai-sdlc/S-0001-x";
  const auto lock = stdfs::path(remote) / (ref + ".lock");
  test::write(lock, "");
  std::string said;
  try {
    git::push_branch_to(repo, remote, "main", ref);
  } catch (const std::exception& e) {
    said = e.what();
  }
  BOOST_TEST(said.find("S-0001-x.lock") != std::string::npos, said);
  BOOST_TEST(said.find("tried 7 times in 630 ms") != std::string::npos, said);
  BOOST_TEST(said.find("remove a lock file no process holds") != std::string::npos, said);
  BOOST_TEST(stdfs::exists(lock));
  BOOST_TEST(test::git(remote, {"for-each-ref", ref}).empty());
}
