#define BOOST_TEST_MODULE concurrency
// Several real processes writing one board at once: nothing is lost, the
// story always parses, ids never collide.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

using namespace sdlc;

BOOST_AUTO_TEST_CASE(eight_writers_lose_no_update) {
  test::temp_dir d;
  test::make_board(d.path,
                   {{"S-0001", test::story_text("S-0001", "ready", "", "# Body\n\nkept\n")}});
  auto file = d.path / ".ai-sdlc/stories/S-0001/story.md";
  constexpr int writers = 8, updates = 500;
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; ++w)
    pids.push_back(
        test::spawn_background({SDLC_STORY_UPDATE_BIN, d.path.string(), "S-0001",
                                "counter_" + std::to_string(w), std::to_string(updates)}));
  // Meanwhile, read the file as a plain reader would: it must always parse.
  std::atomic<bool> done{false};
  int reads = 0, unparseable = 0;
  std::thread reader([&] {
    while (!done) {
      try {
        story::load(file);
        ++reads;
      } catch (const std::exception& e) {
        ++unparseable;
        BOOST_TEST_MESSAGE("unparseable read: " << e.what());
      }
    }
  });
  for (auto pid : pids)
    BOOST_TEST(test::wait_exit(pid) == 0);
  done = true;
  reader.join();
  BOOST_TEST(unparseable == 0);
  BOOST_TEST(reads > 0);
  auto s = story::load(file);
  for (int w = 0; w < writers; ++w)
    BOOST_TEST(s.number("counter_" + std::to_string(w), -1) == updates);
  BOOST_TEST(s.body() == "# Body\n\nkept\n");
  BOOST_TEST(!std::filesystem::exists(file.parent_path() / ".story.md.lock"));
  for (auto& e : std::filesystem::directory_iterator(file.parent_path()))
    BOOST_TEST(e.path().filename() == "story.md", "stray file " << e.path());
}

BOOST_AUTO_TEST_CASE(two_processes_adding_get_distinct_ids) {
  test::temp_dir d;
  BOOST_REQUIRE(test::sdlc(d.path, {"init"}).exit_code == 0);
  auto loop = std::string("for i in $(seq 100); do \"") + SDLC_BIN +
              "\" -C \"$1\" add \"story $0 $i\" >/dev/null || exit 1; done";
  auto a = test::spawn_background({"/bin/sh", "-c", loop, "a", d.path.string()});
  auto b = test::spawn_background({"/bin/sh", "-c", loop, "b", d.path.string()});
  BOOST_TEST(test::wait_exit(a) == 0);
  BOOST_TEST(test::wait_exit(b) == 0);
  std::set<std::string> ids, titles;
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path / ".ai-sdlc/stories")) {
    auto s = story::load(e.path() / "story.md");
    ids.insert(s.id());
    titles.insert(s.title());
    BOOST_TEST(e.path().filename() == s.id());
    ++files;
  }
  BOOST_TEST(files == 200);
  BOOST_TEST(ids.size() == 200u);
  BOOST_TEST(titles.size() == 200u);
  BOOST_TEST(ids.count("S-0001") == 1u);
  BOOST_TEST(ids.count("S-0200") == 1u);
}
