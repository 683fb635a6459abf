// runtime/report/run_death: a guard ends the journal of the run it guarded,
// once, cutting off a line the kill tore; a journal that has its end is left.
#include "runtime/report/run_death.hpp"
#include "runtime/report/run_journal.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;
using nlohmann::json;
namespace stdfs = std::filesystem;

namespace {

stdfs::path journal(const stdfs::path& runs, const std::string& id, const std::string& text) {
  const auto file = runs / id / "events.jsonl";
  test::write(file, text);
  return file;
}

std::string started(int64_t at_ms) {
  return json{{"event", "run_started"}, {"run", "r"}, {"at_ms", at_ms}}.dump() + "\n";
}

} // namespace

BOOST_AUTO_TEST_CASE(a_journal_with_its_last_line_is_not_ended_twice) {
  test::temp_dir d;
  const auto running = journal(d.path, "a", started(1000));
  BOOST_TEST(end_dead_journal(running, run_died_line(3000, 100, {})));
  BOOST_TEST(read_journal(running).back()["event"] == "run_died");
  // A guard's second look, and a run killed after it finished: no second end.
  BOOST_TEST(!end_dead_journal(running, run_died_line(4000, 100, {})));
  BOOST_TEST(read_journal(running).size() == 2u);
  const auto finished_text = started(1000) + R"({"event":"run_finished","at_ms":2000})"
                                             "\n";
  const auto finished = journal(d.path, "b", finished_text);
  BOOST_TEST(!end_dead_journal(finished, run_died_line(3000, 100, {})));
  BOOST_TEST(test::read(finished) == finished_text);
  // An end torn by the kill is no end: it is cut off and the run died.
  const auto torn_end = journal(d.path, "c", started(1000) + R"({"event":"run_fini)");
  BOOST_TEST(end_dead_journal(torn_end, run_died_line(3000, 100, {})));
  BOOST_TEST(read_journal(torn_end).back()["event"] == "run_died");
}

BOOST_AUTO_TEST_CASE(ending_a_dead_journal_cuts_off_the_line_the_kill_tore) {
  test::temp_dir d;
  const auto file =
      journal(d.path, "r",
              started(1000) + R"({"event":"story_started","story":"S-1","at_ms":1100})"
                              "\n"
                              R"({"event":"action_fin)");
  end_dead_journal(file, run_died_line(2000, 100, {{"S-1", "agent", 123}}));
  const auto lines = read_journal(file); // throws if a torn line were left mid-file
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_TEST(lines[1]["event"] == "story_started");
  BOOST_TEST(lines[2]["event"] == "run_died");
  BOOST_TEST(lines[2]["pid"] == 100);
  BOOST_TEST(lines[2]["stopped"][0]["story"] == "S-1");
  BOOST_TEST(lines[2]["stopped"][0]["pgid"] == 123);
  // A whole last line stays whole; a journal that is one torn line is replaced.
  const auto whole = journal(d.path, "w", started(1000));
  end_dead_journal(whole, run_died_line(2000, 100, {}));
  BOOST_TEST(read_journal(whole).size() == 2u);
  const auto torn = journal(d.path, "t", R"({"event":"run_sta)");
  end_dead_journal(torn, run_died_line(2000, 100, {}));
  BOOST_TEST(test::read(torn) == run_died_line(2000, 100, {}).dump() + "\n");
  // What cannot be written is an error naming the file.
  try {
    end_dead_journal(d.path / "missing" / "events.jsonl", run_died_line(1, 1, {}));
    BOOST_FAIL("a missing journal must be an error");
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()).find("missing/events.jsonl") != std::string::npos, e.what());
  }
}
