#define BOOST_TEST_MODULE landing_e2e
// The landing lane end to end with the real Claude Code CLI against stub-api,
// offline: five stories — a chain, one on its own, two that write one file
// differently — run three at a time with merge.enabled and a testCommand that
// checks the files. The base ends with every story's work, one commit per
// story; the story that lost the race for the shared file got the conflict in
// its worktree, was reworked (the stand-in's rework rewrites the file) and
// landed in the same run; `git log` and the stories' fields agree.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <sstream>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

const char* script = R"(watch_for: ["resolve the merge conflict in shared.txt"]
actions:
  research:
    text: "Nothing to find."
  plan:
    text: "1. Write the file the story names."
  review:
    decisions: [APPROVED]
stories:
  S-0001:
    implement:
      writes: [{path: src/parser.txt, content: "parse\n"}]
  S-0002:
    implement:
      writes: [{path: src/user.txt, content: "uses parse\n"}]
  S-0003:
    implement:
      writes: [{path: src/alone.txt, content: "alone\n"}]
  S-0004:
    implement:
      writes: [{path: shared.txt, content: "from S-0004\n"}]
    rework:
      rewrites: [{path: shared.txt, content: "from S-0004 and S-0005\n"}]
  S-0005:
    implement:
      writes: [{path: shared.txt, content: "from S-0005\n"}]
    rework:
      rewrites: [{path: shared.txt, content: "from S-0004 and S-0005\n"}]
)";

// Green only without conflict markers, and with the parser wherever its user is.
const char* test_command =
    "! grep -rq '<<<<<<<' --include='*.txt' . && { [ ! -f src/user.txt ] || [ -f "
    "src/parser.txt ]; }";

} // namespace

BOOST_AUTO_TEST_CASE(five_stories_land_with_one_conflict_reworked_in_the_same_run) {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v claude"}).exit_code == 0,
                        "the Claude Code CLI is not installed (tools/bootstrap installs it)");
  test::temp_dir d;
  const auto repo = d.path / "repo";
  test::make_git_repo(repo);
  test::stub_api stub(script, d.path);
  std::random_device rd;
  stdfs::create_directories(d.path / "home");
  const std::map<std::string, std::string> env = {
      {"HOME", (d.path / "home").string()},
      {"ANTHROPIC_API_KEY", "sk-e2e-" + std::to_string(rd())},
      {"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& args) { return test::sdlc(repo, args, env); };
  BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
  for (auto kv : std::vector<std::pair<std::string, std::string>>{
           {"api.baseUrl", stub.url()}, {"merge.enabled", "true"}, {"testCommand", test_command}})
    BOOST_REQUIRE(sdlc({"config", kv.first, kv.second}).exit_code == 0);
  BOOST_REQUIRE(sdlc({"add", "Parser", "--status", "ready"}).exit_code == 0);
  BOOST_REQUIRE(
      sdlc({"add", "Parser user", "--status", "ready", "--depends-on", "S-0001"}).exit_code == 0);
  for (const char* t : {"On its own", "Shared file, one way", "Shared file, another way"})
    BOOST_REQUIRE(sdlc({"add", t, "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  const auto before = test::git(repo, {"rev-parse", "main"}).substr(0, 40);

  auto r = sdlc({"run", "--auto", "--concurrent", "3", "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);

  board b(repo, load_config(repo, {}));
  // One commit per story on main (squash), each the one its story names.
  auto log = test::git(repo, {"log", "--format=%H %P %s", before + "..main"});
  BOOST_TEST(std::count(log.begin(), log.end(), '\n') == 5, log);
  int reworked = 0;
  for (const char* id : {"S-0001", "S-0002", "S-0003", "S-0004", "S-0005"}) {
    auto s = b.find(id);
    BOOST_TEST(s.str("status") == "done", id);
    BOOST_TEST(!s.str("merged_at").empty(), id);
    const auto sha = s.str("merge_sha");
    // "<sha> <one parent> <id>: <title>" at the start of a line of the log.
    auto at = ("\n" + log).find("\n" + sha + " ");
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, id << " " << sha << "\n" << log);
    auto line = log.substr(at, log.find('\n', at) - at);
    // One parent (squash): the subject starts right after it.
    BOOST_TEST(line.find(" " + std::string(id) + ": ") == 81, line);
    reworked += s.number("retry_count", 0) == 1;
  }
  // The conflict went back to exactly one of the two, which then landed.
  BOOST_TEST(reworked == 1);
  BOOST_TEST(test::read(repo / "shared.txt") == "from S-0004 and S-0005\n");
  BOOST_TEST(test::read(repo / "src/parser.txt") == "parse\n");
  BOOST_TEST(test::read(repo / "src/user.txt") == "uses parse\n");
  BOOST_TEST(test::read(repo / "src/alone.txt") == "alone\n");
  // The chain landed in order.
  BOOST_TEST(log.find(b.find("S-0002").str("merge_sha")) <
             log.find(b.find("S-0001").str("merge_sha")));
  // The rework's prompt carried the conflict.
  int told = 0;
  std::istringstream lines(test::read(stub.log_file()));
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("action", "") == "rework" && j.contains("seen"))
      told += !j["seen"].empty();
  }
  BOOST_TEST(told >= 1);
  BOOST_TEST(r.out.find("landed") != std::string::npos, r.out);
}
