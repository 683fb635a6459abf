#define BOOST_TEST_MODULE full_disk
// Issue 8: the disk the board lives on fills up mid-run (a small tmpfs, as
// root). The run fails with a clear error, leaves no half-written story, no
// temp file, no lock and no process behind; the story is blocked with the
// reason, and with space again and `unblock` it finishes.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <random>

using namespace sdlc;

namespace {

struct small_disk {
  std::filesystem::path at;
  explicit small_disk(const std::filesystem::path& dir) : at(dir) {
    std::filesystem::create_directories(at);
    BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "the full-disk test mounts a tmpfs and needs root "
                                            "(CI runs as root)");
    BOOST_REQUIRE_MESSAGE(::mount("tmpfs", at.c_str(), "tmpfs", 0, "size=16m") == 0,
                          "cannot mount a tmpfs at " << at);
  }
  ~small_disk() { ::umount2(at.c_str(), MNT_DETACH); }
};

// Writes until the disk is full; returns the filler's path.
std::filesystem::path fill(const std::filesystem::path& dir) {
  auto filler = dir / "filler";
  std::ofstream out(filler, std::ios::binary);
  std::string block(64 * 1024, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())))
    out.flush();
  return filler;
}

// Research answers 2 MB of notes: more than is left on the disk.
const char* big_agent = R"sh(#!/bin/sh
case "$SDLC_ACTION" in
  research) head -c 2000000 /dev/zero | tr '\0' 'n';;
  implement) echo "$SDLC_STORY_ID" > done.txt; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";

} // namespace

BOOST_AUTO_TEST_CASE(a_full_disk_fails_cleanly_and_the_rerun_finishes) {
  test::temp_dir d;
  small_disk disk(d.path / "disk");
  auto repo = disk.at / "repo";
  std::mt19937 rng(std::random_device{}());
  std::string marker = fmt::format("disk{}", rng());
  std::map<std::string, std::string> env = {{"RUN_MARKER", marker}, {"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& a) { return test::sdlc(repo, a, env); };
  // The agent lives off the small disk.
  test::make_command_agent_board(repo, d.path / "agent.sh", big_agent, env);
  BOOST_REQUIRE(sdlc({"add", "Big notes", "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  auto story_dir = repo / ".ai-sdlc/stories/S-0001";
  const auto before = test::read(story_dir / "story.md");

  // Leave ~1 MB free: enough to start, too little for 2 MB of research notes.
  auto filler = fill(disk.at);
  std::filesystem::resize_file(filler, std::filesystem::file_size(filler) - 1024 * 1024);
  auto r = sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(r.exit_code != 0, r.out << r.err);
  auto all = r.out + r.err;
  BOOST_TEST(all.find("No space left on device") != std::string::npos, all);
  // The story is whole (unchanged, or changed and parseable), no temp file, no lock.
  auto after = story::load(story_dir / "story.md");
  BOOST_TEST(after.id() == "S-0001");
  BOOST_TEST(test::read(story_dir / "story.md").find("nnnnnnnnnn") == std::string::npos);
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo / ".ai-sdlc")) {
    auto name = e.path().filename().string();
    BOOST_TEST(name.find(".tmp") == std::string::npos, "left behind: " << e.path());
    BOOST_TEST((name.size() < 5 || name.substr(name.size() - 5) != ".lock"),
               "left behind: " << e.path());
  }
  BOOST_TEST(test::none_alive_with_env(marker));

  // Its retries spent on the same error, the story is blocked saying why.
  BOOST_TEST(after.str("status") == "blocked");
  BOOST_TEST(after.str("blocked_reason").find("No space left on device") != std::string::npos,
             after.str("blocked_reason"));

  // Space again, unblocked: the same story finishes, research applied once.
  std::filesystem::remove(filler);
  BOOST_REQUIRE(sdlc({"unblock", "S-0001", "--reset-retries"}).exit_code == 0);
  auto again = sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(again.exit_code == 0, again.out << again.err);
  auto s = story::load(story_dir / "story.md");
  BOOST_TEST(s.str("status") == "done");
  auto body = s.body();
  auto first = body.find("## Research");
  BOOST_TEST(first != std::string::npos);
  BOOST_TEST(body.find("## Research", first + 1) == std::string::npos);
  (void)before;
}
