#define BOOST_TEST_MODULE file_lock
#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/util/fs.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <functional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(timeout_names_the_holder) {
  test::temp_dir d;
  auto path = d.path / ".story.md.lock";
  file_lock held(path, 1s, "story S-0001");
  // flock is per open file description, so a second acquisition in the same
  // process contends exactly like another process would.
  try {
    file_lock second(path, 100ms, "story S-0001");
    BOOST_FAIL("expected a timeout");
  } catch (const sdlc::error& e) {
    std::string msg = e.what();
    BOOST_TEST(static_cast<int>(e.code()) == 1);
    BOOST_TEST(msg.find("story S-0001") != std::string::npos);
    BOOST_TEST(msg.find("pid " + std::to_string(::getpid())) != std::string::npos);
    BOOST_TEST(msg.find("locks.timeoutMs") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(release_removes_the_lock_file) {
  test::temp_dir d;
  auto path = d.path / ".x.lock";
  {
    file_lock l(path, 1s, "x");
    BOOST_TEST(std::filesystem::exists(path));
  }
  BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(lock_of_a_killed_process_is_taken_over) {
  test::temp_dir d;
  auto path = d.path / ".x.lock";
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    file_lock l(path, 1s, "x");
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  BOOST_TEST(file_lock::read_holder(path)->pid == child);
  BOOST_TEST(file_lock::read_holder(path)->alive);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  BOOST_TEST(std::filesystem::exists(path)); // left behind by the dead holder
  file_lock l(path, 1s, "x");
  BOOST_REQUIRE(l.took_over().has_value());
  BOOST_TEST(l.took_over()->pid == child);
  BOOST_TEST(file_lock::read_holder(path)->pid == ::getpid());
}

namespace {

struct exclusion {
  int max_inside = 0;
  int total = 0;
};

// Four threads take the lock 200 times each and count who is inside with no
// synchronisation of their own: the lock must serialise them. Thread t
// releases as `release_of(t)` says, then calls `after_each(t)`.
exclusion four_threads_taking(const std::filesystem::path& path,
                              const std::function<file_lock::on_release(int)>& release_of,
                              const std::function<void(int)>& after_each) {
  int inside = 0;
  exclusion out;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        {
          file_lock l(path, 10s, "x", release_of(t));
          int now = ++inside; // unsynchronised on purpose
          out.max_inside = std::max(out.max_inside, now);
          ++out.total;
          --inside;
        }
        after_each(t);
      }
    });
  for (auto& t : threads)
    t.join();
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(threads_are_mutually_excluded) {
  test::temp_dir d;
  auto r = four_threads_taking(
      d.path / ".x.lock", [](int) { return file_lock::on_release::remove_file; }, [](int) {});
  BOOST_TEST(r.max_inside == 1);
  BOOST_TEST(r.total == 800);
}

BOOST_AUTO_TEST_CASE(leftovers_of_killed_writers_are_recognised_by_name) {
  BOOST_TEST(fs::leftover_writer_pid(".story.md.tmp.4242.3.1f2e").value_or(0) == 4242);
  BOOST_TEST(fs::leftover_writer_pid(".new-977-abc123").value_or(0) == 977);
  BOOST_TEST(fs::leftover_writer_pid(".workflow-state.json.tmp.12.0.ff").value_or(0) == 12);
  BOOST_TEST(!fs::leftover_writer_pid("story.md"));
  BOOST_TEST(!fs::leftover_writer_pid(".story.md.lock"));
  BOOST_TEST(!fs::leftover_writer_pid("notes.tmp.12.0.ff")); // not one of ours: not hidden
  BOOST_TEST(!fs::leftover_writer_pid(".new-abc-12"));
}

// A lock is removed only by its holder, and only while the file is still its
// own: someone who replaced it (a --force-unlock of old) owns the new one.
BOOST_AUTO_TEST_CASE(a_holder_never_removes_a_lock_file_it_does_not_hold) {
  test::temp_dir d;
  auto path = d.path / "run.lock";
  {
    file_lock held(path, std::chrono::milliseconds(0), "the board");
    BOOST_TEST(file_lock::held(path));
    std::filesystem::remove(path); // someone removes it behind our back...
    test::write(path, "pid 1\n");  // ...and another lock file takes its place
    BOOST_TEST(!file_lock::held(path));
  }
  BOOST_TEST(std::filesystem::exists(path)); // not ours: left in place
  BOOST_TEST(!file_lock::held(path));
  { file_lock again(path, std::chrono::milliseconds(0), "the board"); }
  BOOST_TEST(!std::filesystem::exists(path)); // ours: removed on release
}

// A story session keeps its lock file between writes (no new inode per
// write); the file then names no holder, and goes when the session is done.
BOOST_AUTO_TEST_CASE(a_kept_lock_file_names_no_holder_and_goes_when_free) {
  test::temp_dir d;
  auto path = d.path / ".story.md.lock";
  const auto keep = file_lock::on_release::keep_file;
  auto inode = [&] { return test::inode_of(path); };
  { file_lock l(path, 1s, "story S-0001", keep); }
  BOOST_REQUIRE(std::filesystem::exists(path));
  BOOST_TEST(std::filesystem::file_size(path) == 0u);
  BOOST_TEST(!file_lock::read_holder(path));
  BOOST_TEST(!file_lock::held(path));
  const auto first = inode();
  {
    file_lock l(path, 1s, "story S-0001", keep);
    BOOST_TEST(inode() == first); // taken again without a new file
    BOOST_TEST(file_lock::read_holder(path)->pid == ::getpid());
    file_lock::remove_if_free(path); // held: its holder decides
    BOOST_TEST(std::filesystem::exists(path));
  }
  file_lock::remove_if_free(path);
  BOOST_TEST(!std::filesystem::exists(path));
  file_lock::remove_if_free(path); // nothing there: nothing made
  BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(kept_and_removed_lock_files_still_exclude_each_other) {
  test::temp_dir d;
  const auto path = d.path / ".x.lock";
  auto r = four_threads_taking(
      path,
      [](int t) {
        return t % 2 ? file_lock::on_release::keep_file : file_lock::on_release::remove_file;
      },
      [&](int t) {
        if (t == 3) file_lock::remove_if_free(path);
      });
  BOOST_TEST(r.max_inside == 1);
  BOOST_TEST(r.total == 800);
}
