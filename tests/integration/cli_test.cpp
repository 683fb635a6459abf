#define BOOST_TEST_MODULE cli
// The commands as a user runs them: real binary, real files.
#include "runtime/util/file_lock.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>
#include <unistd.h>

using namespace sdlc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(help_everywhere_and_usage_errors_exit_2) {
  test::temp_dir d;
  // Every command the top-level help lists has its own help.
  auto top = test::sdlc(d.path, {"--help"});
  BOOST_TEST(top.exit_code == 0);
  std::vector<std::string> commands;
  std::istringstream lines(top.out.substr(top.out.find("Subcommands:")));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line))
    if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ')
      commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  BOOST_TEST(commands.size() >= 20u, top.out); // init … report, notify
  BOOST_TEST((std::find(commands.begin(), commands.end(), "notify") != commands.end()));
  for (const auto& cmd : commands) {
    auto r = test::sdlc(d.path, {cmd, "--help"});
    BOOST_TEST(r.exit_code == 0, cmd);
    BOOST_TEST(r.out.find("Usage") != std::string::npos, cmd);
  }
  BOOST_TEST(test::sdlc(d.path, {"frobnicate"}).exit_code == 2);
  BOOST_TEST(test::sdlc(d.path, {}).exit_code == 2);
  auto no_board = test::sdlc(d.path, {"status"});
  BOOST_TEST(no_board.exit_code == 2);
  BOOST_TEST(no_board.err.find("sdlc-actors init") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(init_add_details_status) {
  test::temp_dir d;
  auto r = test::sdlc(d.path, {"init"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(std::filesystem::is_directory(d.path / ".ai-sdlc/stories"));
  BOOST_TEST(std::filesystem::exists(d.path / ".ai-sdlc.json"));
  BOOST_TEST(test::sdlc(d.path, {"init"}).out.find("already") != std::string::npos);

  test::write(d.path / "body.md", "# Login\n\nDetails.\n");
  r = test::sdlc(d.path,
                 {"add", "Add user login", "--type", "bug", "--priority", "5", "--label", "auth",
                  "--label", "p1", "--status", "ready", "--body-file", "body.md", "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  auto added = nlohmann::json::parse(r.out);
  BOOST_TEST(added["id"] == "S-0001");
  BOOST_TEST(added["slug"] == "add-user-login");
  r = test::sdlc(d.path, {"add", "Second", "--depends-on", "s-0001"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("added S-0002") != std::string::npos);

  auto text = test::read(d.path / ".ai-sdlc/stories/S-0001/story.md");
  BOOST_TEST(text.find("status: ready\n") != std::string::npos);
  BOOST_TEST(text.find("labels:\n  - auth\n  - p1\n") != std::string::npos);
  BOOST_TEST(text.find("created: '") != std::string::npos);
  BOOST_TEST(text.substr(text.find("---\n", 4) + 4) == "# Login\n\nDetails.\n");

  for (auto key : {"S-0001", "s-0001", "add-user-login"}) {
    auto det = test::sdlc(d.path, {"details", key, "--json"});
    BOOST_TEST(det.exit_code == 0, key);
    auto j = nlohmann::json::parse(det.out);
    BOOST_TEST(j["id"] == "S-0001");
    BOOST_TEST(j["priority"] == 5);
    BOOST_TEST(j["type"] == "bug");
    BOOST_TEST(j["estimated_effort"].is_null());
    BOOST_TEST(j["next_action"]["action"] == "research");
  }
  auto det = test::sdlc(d.path, {"details", "S-0002"});
  BOOST_TEST(det.out.find("depends on    S-0001") != std::string::npos);
  BOOST_TEST(det.out.find("effort") == std::string::npos, det.out); // none set
  const auto s2 = d.path / ".ai-sdlc/stories/S-0002/story.md";
  test::write(s2, "---\nestimated_effort: large\n" + test::read(s2).substr(4));
  det = test::sdlc(d.path, {"details", "S-0002"});
  BOOST_TEST(det.out.find("effort        large") != std::string::npos, det.out);
  auto det_json = nlohmann::json::parse(test::sdlc(d.path, {"details", "S-0002", "--json"}).out);
  BOOST_TEST(det_json["estimated_effort"] == "large");
  auto missing = test::sdlc(d.path, {"details", "S-0099"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("no story 'S-0099'") != std::string::npos);

  // From a subdirectory, the board is found upward.
  std::filesystem::create_directories(d.path / "src/deep");
  auto st = test::sdlc(d.path / "src/deep", {"status", "--json"});
  BOOST_TEST(st.exit_code == 0, st.err);
  auto j = nlohmann::json::parse(st.out);
  BOOST_TEST(j["stories"].size() == 2u);
  // Listed by column: backlog (S-0002) before ready (S-0001).
  BOOST_TEST(j["stories"][0]["id"] == "S-0002");
  BOOST_TEST(j["stories"][1]["status"] == "ready");
  auto active = test::sdlc(d.path, {"status", "--active"});
  BOOST_TEST(active.out.find("hidden by --active") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(config_get_and_set) {
  test::temp_dir d;
  BOOST_REQUIRE(test::sdlc(d.path, {"init"}).exit_code == 0);
  auto r = test::sdlc(d.path, {"config", "reviewConfig.maxRetries"});
  BOOST_TEST(r.out == "3\n");
  r = test::sdlc(d.path, {"config", "reviewConfig.maxRetries", "5"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(test::sdlc(d.path, {"config", "reviewConfig.maxRetries"}).out == "5\n");
  auto j = nlohmann::json::parse(test::sdlc(d.path, {"config", "--json"}).out);
  BOOST_TEST(j["reviewConfig"]["maxRetries"] == 5);
  BOOST_TEST(j["sdlcFolder"] == ".ai-sdlc");
  r = test::sdlc(d.path, {"config", "nope"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("unknown config key 'nope'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lock_timeout_names_story_and_holder) {
  test::temp_dir d;
  test::make_board(d.path, {{"S-0001", test::story_text("S-0001", "blocked")}});
  auto file = d.path / ".ai-sdlc/stories/S-0001/story.md";
  auto before = test::read(file);
  {
    file_lock held(file.parent_path() / ".story.md.lock", 1s, "story S-0001");
    auto r = test::sdlc(d.path, {"unblock", "S-0001"}, {{"SDLC_CONFIG__LOCKS__TIMEOUT_MS", "200"}});
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.err.find("story S-0001") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("pid " + std::to_string(::getpid())) != std::string::npos, r.err);
    BOOST_TEST(test::read(file) == before);
  }
  auto r = test::sdlc(d.path, {"unblock", "S-0001", "--reset-retries"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(test::read(file).find("status: ready\n") != std::string::npos);
}

// unblock --reset-retries also zeroes the checkpoint's failed attempts; a
// corrupt checkpoint fails the command before anything is written, naming the
// file, so the story is not left half-unblocked.
BOOST_AUTO_TEST_CASE(unblock_reset_retries_refuses_a_corrupt_checkpoint_before_writing) {
  test::temp_dir d;
  test::make_board(d.path, {{"S-0001", test::story_text("S-0001", "blocked")}});
  const auto file = d.path / ".ai-sdlc/stories/S-0001/story.md";
  const auto checkpoint = file.parent_path() / ".workflow-state.json";
  test::write(checkpoint, "{ not json");
  const auto before = test::read(file);
  auto r = test::sdlc(d.path, {"unblock", "S-0001", "--reset-retries"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find(checkpoint.string()) != std::string::npos, r.err);
  BOOST_TEST(r.err.find("move the file aside") != std::string::npos, r.err);
  BOOST_TEST(test::read(file) == before);
  BOOST_TEST(test::read(checkpoint) == "{ not json");
  // Once moved aside, the same command unblocks it.
  std::filesystem::rename(checkpoint, file.parent_path() / "aside.json");
  r = test::sdlc(d.path, {"unblock", "S-0001", "--reset-retries"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(test::read(file).find("status: ready\n") != std::string::npos);
}

// status --dot: the dependency graph as Graphviz reads it — a node per story
// coloured by status, an edge from each dependency to its dependent, a
// missing dependency dashed — and Debian's `dot` renders it to SVG.
BOOST_AUTO_TEST_CASE(status_dot_is_the_dependency_graph_dot_renders) {
  test::temp_dir d;
  BOOST_REQUIRE(test::sdlc(d.path, {"init"}).exit_code == 0);
  BOOST_REQUIRE(
      test::sdlc(d.path, {"add", "Base \"quoted\" \\ title", "--status", "ready"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(d.path, {"add", "On top", "--depends-on", "S-0001"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(d.path, {"add", "Orphan"}).exit_code == 0);
  // `add` refuses an unknown dependency; a hand edit does not.
  const auto orphan = d.path / ".ai-sdlc/stories/S-0003/story.md";
  test::write(orphan, "---\ndepends_on:\n  - S-0042\n" + test::read(orphan).substr(4));
  auto r = test::sdlc(d.path, {"status", "--dot"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto& dot = r.out;
  auto has = [&](const std::string& what) { return dot.find(what) != std::string::npos; };
  BOOST_TEST(dot.rfind("digraph stories {", 0) == 0u, dot);
  BOOST_TEST(has("\"S-0001\" -> \"S-0002\";"), dot);
  BOOST_TEST(has("\"S-0042\" -> \"S-0003\";"), dot);
  BOOST_TEST(has("\"S-0042\" [label=\"S-0042\\nmissing\", style=\"dashed\""), dot);
  BOOST_TEST(has("Base \\\"quoted\\\" \\\\ title"), dot); // escaped for DOT
  BOOST_TEST(has("\\nready\", fillcolor=\"#d6e9ff\""), dot);
  BOOST_TEST(has("\\nbacklog\", fillcolor=\"#e4e4e4\""), dot);
  BOOST_TEST(test::sdlc(d.path, {"status", "--dot", "--json"}).exit_code == 2);

  test::write(d.path / "board.dot", dot);
  auto svg = test::run({"/bin/sh", "-c", "dot -Tsvg board.dot"}, d.path);
  BOOST_REQUIRE_MESSAGE(svg.exit_code == 0, "graphviz (tools/bootstrap installs it): " + svg.err);
  BOOST_TEST(svg.out.find("<svg") != std::string::npos);
  BOOST_TEST(svg.out.find("S&#45;0002") != std::string::npos); // dot escapes the dash
}
