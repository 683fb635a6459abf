// runtime/story/log_rotation: the newest logging.maxFiles run logs of a story
// stay (by their timestamp names, as ai-sdlc decides), never the current one,
// and nothing but *.log is touched.
#include "runtime/story/log_rotation.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <unistd.h>

using namespace sdlc;
namespace stdfs = std::filesystem;

BOOST_AUTO_TEST_SUITE(log_rotation_suite)

BOOST_AUTO_TEST_CASE(the_newest_stay) {
  std::vector<stdfs::path> logs = {"l/2026-01-02T00-00-00.000Z.log", "l/2026-01-01T00-00-00.log",
                                   "l/2026-01-03T00-00-00.000Z.log"};
  auto gone = logs_beyond(logs, 2);
  BOOST_TEST(gone.size() == 1u);
  BOOST_TEST(gone[0].filename() == "2026-01-01T00-00-00.log");
  BOOST_TEST(logs_beyond(logs, 5).empty());
  BOOST_TEST(logs_beyond(logs, 0).size() == 2u); // at least one stays
}

BOOST_AUTO_TEST_CASE(rotation_deletes_old_logs_only) {
  auto dir = stdfs::temp_directory_path() / ("sdlc-logrot-" + std::to_string(::getpid()));
  stdfs::create_directories(dir);
  for (const char* name : {"2026-01-01T00-00-00.log", "2026-01-02T00-00-00.log",
                           "2026-01-03T00-00-00.log", "plan.prompt.md"})
    std::ofstream(dir / name) << "x\n";
  // The current log sorts first here (an odd clock): it is kept all the same.
  rotate_story_logs(dir, 1, dir / "2026-01-01T00-00-00.log");
  BOOST_TEST(stdfs::exists(dir / "2026-01-03T00-00-00.log"));
  BOOST_TEST(stdfs::exists(dir / "2026-01-01T00-00-00.log"));
  BOOST_TEST(!stdfs::exists(dir / "2026-01-02T00-00-00.log"));
  BOOST_TEST(stdfs::exists(dir / "plan.prompt.md"));
  stdfs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
