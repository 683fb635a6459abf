// runtime/story/story_logs: which log file `logs -f <timestamp>` means (ai-sdlc
// names and ours), and the last N lines of a log.
#include "runtime/story/story_logs.hpp"
#include "runtime/util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;
namespace stdfs = std::filesystem;

BOOST_AUTO_TEST_SUITE(story_logs_suite)

BOOST_AUTO_TEST_CASE(last_lines_counts_lines_not_newlines) {
  BOOST_TEST(last_lines("a\nb\nc\n", 2) == "b\nc\n");
  BOOST_TEST(last_lines("a\nb\nc\n", 1) == "c\n");
  BOOST_TEST(last_lines("a\nb\nc", 1) == "c");
  BOOST_TEST(last_lines("a\nb\nc\n", 3) == "a\nb\nc\n");
  BOOST_TEST(last_lines("a\nb\nc\n", 50) == "a\nb\nc\n");
  BOOST_TEST(last_lines("a\nb\n", 0) == "");
  BOOST_TEST(last_lines("", 5) == "");
  BOOST_TEST(last_lines("\nb\n", 1) == "b\n");
}

BOOST_AUTO_TEST_CASE(a_timestamp_picks_its_file_exactly_or_by_a_unique_prefix) {
  const stdfs::path dir = "/b/logs";
  std::vector<stdfs::path> files = {dir / "2026-01-15T10-30-00.log",  // ai-sdlc's name
                                    dir / "2026-01-15T11-00-00Z.log", // ours
                                    dir / "2026-01-15T11-00-05Z.log"};
  BOOST_TEST(pick_story_log(files, "2026-01-15T10-30-00", dir) == files[0]);
  BOOST_TEST(pick_story_log(files, "2026-01-15T11-00-00", dir) == files[1]);
  BOOST_TEST(pick_story_log(files, "2026-01-15T11-00-05Z", dir) == files[2]);
  for (const std::string ts : {"2026-01-15T11-00", "2025", ""}) {
    BOOST_TEST_CONTEXT(ts) {
      try {
        pick_story_log(files, ts, dir);
        BOOST_ERROR("picked a file for an ambiguous or unknown timestamp");
      } catch (const error& e) {
        std::string m = e.what();
        BOOST_TEST(m.find("/b/logs") != std::string::npos, m);
        BOOST_TEST(m.find("give one of: 2026-01-15T10-30-00, 2026-01-15T11-00-00Z") !=
                       std::string::npos,
                   m);
      }
    }
  }
  BOOST_CHECK_THROW(pick_story_log({}, "x", dir), error);
}

BOOST_AUTO_TEST_SUITE_END()
