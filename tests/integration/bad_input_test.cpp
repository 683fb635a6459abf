#define BOOST_TEST_MODULE bad_input
// Bad input: each case is a clear error (exit 2, naming the file / key / story
// and what to do) and no file on the board is modified.
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace sdlc;

namespace {

struct board_fixture {
  test::temp_dir d;
  std::filesystem::path root() const { return d.path; }
  board_fixture() { test::make_board(d.path, {{"S-0001", test::story_text("S-0001")}}); }
};

void expect_clear_error(const std::filesystem::path& root, const std::vector<std::string>& args,
                        const std::vector<std::string>& must_mention) {
  auto before = test::snapshot(root);
  auto r = test::sdlc(root, args);
  BOOST_TEST(r.exit_code == 2, "exit " << r.exit_code << " err: " << r.err);
  for (const auto& m : must_mention)
    BOOST_TEST(r.err.find(m) != std::string::npos, "'" << m << "' not in: " << r.err);
  BOOST_TEST((test::snapshot(root) == before), "a file was modified");
}

void bad_story(const std::filesystem::path& root, const std::string& content) {
  test::write(root / ".ai-sdlc/stories/S-0002/story.md", content);
}

} // namespace

BOOST_FIXTURE_TEST_CASE(no_closing_delimiter, board_fixture) {
  bad_story(root(), "---\nid: S-0002\ntitle: T\nstatus: ready\n\n# Body\n");
  expect_clear_error(root(), {"details", "S-0002"}, {"S-0002/story.md", "never closed", "'---'"});
  expect_clear_error(root(), {"unblock", "S-0002"}, {"S-0002/story.md", "never closed"});
  expect_clear_error(root(), {"status"}, {"S-0002/story.md", "never closed"});
}

BOOST_FIXTURE_TEST_CASE(frontmatter_not_a_map, board_fixture) {
  bad_story(root(), "---\n- id: S-0002\n- title: T\n---\n");
  expect_clear_error(root(), {"status"}, {"S-0002/story.md:2", "expected 'key: value' lines"});
}

BOOST_FIXTURE_TEST_CASE(duplicate_keys, board_fixture) {
  bad_story(root(), "---\nid: S-0002\ntitle: T\nstatus: ready\nstatus: done\n---\n");
  expect_clear_error(root(), {"details", "S-0002"},
                     {"S-0002/story.md:5", "duplicate key 'status'"});
}

BOOST_FIXTURE_TEST_CASE(invalid_utf8, board_fixture) {
  bad_story(root(), "---\nid: S-0002\ntitle: caf\xE9\nstatus: ready\n---\n");
  expect_clear_error(root(), {"status"}, {"S-0002/story.md:3", "invalid UTF-8"});
}

BOOST_FIXTURE_TEST_CASE(fifty_megabyte_story, board_fixture) {
  bad_story(root(), test::story_text("S-0002") + std::string(50u << 20, 'x'));
  expect_clear_error(root(), {"status"}, {"S-0002/story.md", "MiB limit"});
}

BOOST_FIXTURE_TEST_CASE(tabs_for_indentation, board_fixture) {
  bad_story(root(), "---\nid: S-0002\ntitle: T\nstatus: ready\nlabels:\n\t- a\n---\n");
  expect_clear_error(root(), {"status"}, {"S-0002/story.md:6", "tab", "spaces"});
}

BOOST_FIXTURE_TEST_CASE(traversal_ids_are_refused, board_fixture) {
  expect_clear_error(root(), {"details", "../../etc/passwd"}, {"not a story id"});
  expect_clear_error(root(), {"unblock", "../S-0001"}, {"not a story id"});
  expect_clear_error(root(), {"details", "S-0001/../S-0001"}, {"not a story id"});
  bad_story(root(), "---\nid: ../../x\ntitle: T\nstatus: ready\n---\n");
  expect_clear_error(root(), {"status"}, {"S-0002/story.md:2", "id '../../x'"});
}

BOOST_FIXTURE_TEST_CASE(dependency_cycle_is_reported_with_ids, board_fixture) {
  test::make_board(root(),
                   {{"S-0003", test::story_text("S-0003", "ready", "dependencies: [S-0004]\n")},
                    {"S-0004", test::story_text("S-0004", "ready", "depends_on: [S-0003]\n")},
                    {"S-0005", test::story_text("S-0005", "ready", "dependencies: [S-0042]\n")}});
  auto before = test::snapshot(root());
  auto r = test::sdlc(root(), {"status", "--json"});
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> messages;
  for (const auto& i : j["dependency_issues"])
    messages.push_back(i["message"]);
  BOOST_TEST(messages ==
             (std::vector<std::string>{"S-0005 depends on S-0042, which is not on the board",
                                       "dependency cycle: S-0003 -> S-0004 -> S-0003"}));
  auto text = test::sdlc(root(), {"status"});
  BOOST_TEST(text.out.find("dependency cycle: S-0003 -> S-0004 -> S-0003") != std::string::npos);
  BOOST_TEST((test::snapshot(root()) == before));
  expect_clear_error(root(), {"add", "New", "--depends-on", "S-0999"}, {"S-0999", "no such story"});
}

BOOST_FIXTURE_TEST_CASE(config_with_a_wrong_type, board_fixture) {
  test::write(root() / ".ai-sdlc.json",
              "{\n  \"reviewConfig\": {\n    \"maxRetries\": true\n  }\n}\n");
  expect_clear_error(
      root(), {"status"},
      {".ai-sdlc.json:3", "'reviewConfig.maxRetries' must be a whole number", "the boolean true"});
  expect_clear_error(root(), {"add", "x"}, {".ai-sdlc.json:3", "reviewConfig.maxRetries"});
  expect_clear_error(root(), {"config", "timeouts.agentTimeout", "soon"},
                     {"'timeouts.agentTimeout' must be a whole number"});
}
