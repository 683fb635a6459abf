// runtime/process/marked_processes: real processes, found by their
// environment in /proc. A program name with parentheses and spaces must not
// shift /proc/<pid>/stat's fields; this process, its group and processes
// with another value are never returned.
#include "runtime/process/marked_processes.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <random>
#include <unistd.h>

using namespace sdlc;

namespace {

bool has(const std::vector<marked_process>& found, pid_t pid) {
  return std::any_of(found.begin(), found.end(),
                     [&](const marked_process& p) { return p.pid == pid; });
}

} // namespace

BOOST_AUTO_TEST_CASE(a_marked_process_is_found_with_its_group_and_environment) {
  test::temp_dir d;
  // A program named like stat's own punctuation: "x) S 1 (y".
  const auto odd = d.path / "x) S 1 (y";
  std::filesystem::copy_file("/usr/bin/sleep", odd);
  const auto mark = "test-" + std::to_string(std::random_device{}());
  test::child_guard leader(test::spawn_background({"/usr/bin/setsid", odd.string(), "300"}, d.path,
                                                  {{"SDLC_MARK", mark}, {"SDLC_STORY_ID", "S-7"}}));
  test::child_guard unmarked(test::spawn_background({"/usr/bin/setsid", "sleep", "300"}, d.path,
                                                    {{"SDLC_MARK", mark + "-other"}}));
  std::vector<marked_process> found;
  BOOST_REQUIRE(test::eventually([&] { // setsid has exec'd: the name is the odd one
    found = processes_marked("SDLC_MARK", mark);
    return has(found, leader.pid()) &&
           std::filesystem::read_symlink("/proc/" + std::to_string(leader.pid()) + "/exe") == odd;
  }));
  BOOST_TEST(found.size() == 1u);
  BOOST_TEST(found.front().pgid == leader.pid()); // setsid: it leads its own group
  BOOST_TEST(found.front().env("SDLC_STORY_ID") == "S-7");
  BOOST_TEST(found.front().env("NOT_THERE").empty());
  BOOST_TEST(!has(found, unmarked.pid()));
}

BOOST_AUTO_TEST_CASE(neither_this_process_nor_its_group_is_found) {
  const auto mark = "self-" + std::to_string(std::random_device{}());
  ::setenv("SDLC_MARK_SELF", mark.c_str(), 1);
  test::temp_dir d;
  // A child in this process's group, marked the same way.
  test::child_guard same_group(test::spawn_background({"/usr/bin/sleep", "300"}, d.path, {}));
  std::vector<marked_process> found;
  BOOST_REQUIRE(test::eventually([&] {
    return std::filesystem::read_symlink("/proc/" + std::to_string(same_group.pid()) + "/exe") ==
           "/usr/bin/sleep";
  }));
  found = processes_marked("SDLC_MARK_SELF", mark);
  ::unsetenv("SDLC_MARK_SELF");
  BOOST_TEST(!has(found, ::getpid()));
  BOOST_TEST(!has(found, same_group.pid()));
  BOOST_TEST(found.empty());
}
