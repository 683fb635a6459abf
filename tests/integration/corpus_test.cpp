#define BOOST_TEST_MODULE corpus
// The real board written by ai-sdlc (../shared/corpus/ai-sdlc), copied to a
// temp dir: everything parses, `status --json` agrees with the files, and
// writing changes exactly what was changed.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/time.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <regex>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

std::vector<stdfs::path> story_files(const stdfs::path& root) {
  std::vector<stdfs::path> out;
  for (auto& e : stdfs::recursive_directory_iterator(root / ".ai-sdlc"))
    if (e.path().filename() == "story.md") out.push_back(e.path());
  return out;
}

// The status line of the frontmatter, read without our parser.
std::string frontmatter_status(const std::string& text) {
  std::regex re("^---\\r?\\n(?:.*\\n)*?status: *([a-z-]+)", std::regex::ECMAScript);
  std::smatch m;
  auto end = text.find("\n---", 3);
  auto fm = text.substr(0, end + 1);
  return std::regex_search(fm, m, re) ? m[1].str() : "";
}

} // namespace

BOOST_AUTO_TEST_CASE(every_story_parses_and_round_trips_byte_identical) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "c");
  auto files = story_files(root);
  BOOST_TEST(files.size() >= 80u);
  for (const auto& f : files) {
    BOOST_TEST_CONTEXT(f.string()) {
      auto original = test::read(f);
      auto s = story::load(f);
      BOOST_TEST(s.render() == original);
    }
  }
  board b(root, load_config(root, {}));
  auto scan = b.scan();
  BOOST_TEST(scan.stories.size() == files.size());
  // Exactly one problem: the duplicate S-0114 (in stories/ and in done/).
  BOOST_REQUIRE(scan.problems.size() == 1u);
  BOOST_TEST(scan.problems[0].duplicate);
  BOOST_TEST(scan.problems[0].message.find("S-0114 is also used by") != std::string::npos,
             scan.problems[0].message);
}

BOOST_AUTO_TEST_CASE(status_json_reports_each_story_with_its_frontmatter_status) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "c");
  auto before = test::snapshot(root);
  auto r = test::sdlc(root, {"status", "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  std::map<std::string, std::string> by_path;
  for (const auto& s : j["stories"])
    by_path[s["path"].get<std::string>()] = s["status"].get<std::string>();
  auto files = story_files(root);
  BOOST_TEST(by_path.size() == files.size());
  for (const auto& f : files) {
    auto rel = stdfs::relative(f, root).string();
    BOOST_TEST_CONTEXT(rel) {
      BOOST_REQUIRE(by_path.count(rel) == 1u);
      BOOST_TEST(by_path[rel] == frontmatter_status(test::read(f)));
    }
  }
  BOOST_TEST(j["counts"]["backlog"].get<int>() > 0);
  BOOST_TEST(j["counts"]["done"].get<int>() > 0);
  BOOST_TEST(test::snapshot(root) == before); // status wrote nothing
  auto text = test::sdlc(root, {"status"});
  BOOST_TEST(text.out.find("BACKLOG (") != std::string::npos);
  BOOST_TEST(text.out.find("IN-PROGRESS (") != std::string::npos);
  BOOST_TEST(text.out.find("\x1b[") == std::string::npos); // not a terminal: no escapes
}

// status --json is written a story at a time; what a script reads must still
// be one document laid out exactly as nlohmann's dump(2) lays it out.
BOOST_AUTO_TEST_CASE(status_json_is_one_document_in_the_usual_layout) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "c");
  auto layout_of = [](const std::string& out) {
    return nlohmann::ordered_json::parse(out).dump(2) + "\n";
  };
  auto all = test::sdlc(root, {"status", "--json"});
  BOOST_TEST(all.exit_code == 0, all.err);
  BOOST_TEST(all.out == layout_of(all.out));
  auto active = test::sdlc(root, {"status", "--json", "--active"});
  BOOST_TEST(active.out == layout_of(active.out));
  auto a = nlohmann::ordered_json::parse(all.out), b = nlohmann::ordered_json::parse(active.out);
  BOOST_TEST(a["stories"].size() == b["stories"].size() + a["counts"]["done"].get<std::size_t>());
  std::vector<std::string> keys;
  for (auto it = a.begin(); it != a.end(); ++it)
    keys.push_back(it.key());
  BOOST_TEST(keys == (std::vector<std::string>{"board", "stories", "awaiting_approval", "counts",
                                               "problems", "dependency_issues"}),
             boost::test_tools::per_element());
  // No stories at all: an empty list, as dump(2) writes one.
  auto empty = d.path / "empty";
  test::make_git_repo(empty);
  BOOST_REQUIRE(test::sdlc(empty, {"init"}).exit_code == 0);
  auto none = test::sdlc(empty, {"status", "--json"});
  BOOST_TEST(none.exit_code == 0, none.err);
  BOOST_TEST(none.out == layout_of(none.out));
  BOOST_TEST(none.out.find("\"stories\": [],\n") != std::string::npos, none.out);
  // A document that could not be written whole is an error, not exit 0.
  auto full = test::run({"/bin/sh", "-c", "exec \"$0\" status --json > /dev/full", SDLC_BIN}, root);
  BOOST_TEST(full.exit_code == 1, full.err);
  BOOST_TEST(full.err.find("cannot write the status to standard output") != std::string::npos,
             full.err);
}

// A story folder's name may be any bytes; JSON carries only UTF-8. The
// document is refused before any of it is written (it used to stop half-way
// with nlohmann's own message), naming the folder and what to do.
BOOST_AUTO_TEST_CASE(status_json_refuses_a_path_it_cannot_carry_before_writing) {
  test::temp_dir d;
  auto root = d.path / "p";
  test::make_git_repo(root);
  BOOST_REQUIRE(test::sdlc(root, {"init"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(root, {"add", "One"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(root, {"add", "Two"}).exit_code == 0);
  std::filesystem::rename(root / ".ai-sdlc/stories/S-0002", root / ".ai-sdlc/stories/S-0002\xff");
  auto r = test::sdlc(root, {"status", "--json"});
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.out.empty(), r.out);
  BOOST_TEST(r.err.find(".ai-sdlc/stories/S-0002\\xff…: this path is not valid UTF-8") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(test::sdlc(root, {"status"}).exit_code == 0); // the board itself is readable
  // Any other --json document refuses it the same way; `details` used to exit
  // 1 with nlohmann's "invalid UTF-8 byte at index 41", naming no file.
  auto details = test::sdlc(root, {"details", "S-0002", "--json"});
  BOOST_TEST(details.exit_code == 2, details.err);
  BOOST_TEST(details.out.empty(), details.out);
  BOOST_TEST(details.err.find("S-0002\\xff…: this value is not valid UTF-8") != std::string::npos,
             details.err);
  BOOST_TEST(details.err.find("`sdlc-actors details S-0002` without --json") != std::string::npos,
             details.err);
  BOOST_TEST(test::sdlc(root, {"details", "S-0002"}).exit_code == 0, "the text form still works");
}

BOOST_AUTO_TEST_CASE(unblock_changes_only_the_lines_it_must) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "c");
  auto file = root / ".ai-sdlc/stories/S-0072/story.md";
  const auto original = test::read(file);
  BOOST_REQUIRE(original.find("status: done\n") != std::string::npos);
  BOOST_REQUIRE(original.find("updated: '2026-01-28'\n") != std::string::npos);
  auto blocked = original;
  blocked.replace(blocked.find("status: done\n"), 13,
                  "status: blocked\nblocked_reason: review rejected 3 times\n");
  test::write(file, blocked);

  auto r = test::sdlc(root, {"unblock", "s-0072"});
  BOOST_TEST(r.exit_code == 0, r.err);
  auto expected = original;
  expected.replace(expected.find("status: done\n"), 13, "status: in-progress\n");
  expected.replace(expected.find("updated: '2026-01-28'\n"), 22,
                   "updated: '" + time::today() + "'\n");
  BOOST_TEST(test::read(file) == expected);
  // A second unblock is refused and writes nothing.
  auto again = test::sdlc(root, {"unblock", "S-0072"});
  BOOST_TEST(again.exit_code == 2);
  BOOST_TEST(again.err.find("S-0072 is not blocked") != std::string::npos);
  BOOST_TEST(test::read(file) == expected);
  BOOST_TEST(!stdfs::exists(file.parent_path() / ".story.md.lock"));
}
