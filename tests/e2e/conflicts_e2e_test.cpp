#define BOOST_TEST_MODULE conflicts_e2e
// Two stories that declare the same file, run with real Claude Code CLIs
// against stub-api at --concurrent 2: the serialize policy runs them one
// after the other, and afterwards their branches really do conflict.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <regex>

using namespace sdlc;
using json = nlohmann::json;

namespace {
const char* script = R"(latency_ms: 300
actions:
  review:
    decisions: [APPROVED]
stories:
  S-0001:
    implement:
      writes:
        - path: src/shared.txt
          content: "from S-0001\n"
  S-0002:
    implement:
      writes:
        - path: src/shared.txt
          content: "from S-0002\n"
)";

std::string time_of(const std::string& out, const std::string& id, const std::string& what) {
  std::regex re("(\\S+) " + id + " " + what);
  std::smatch m;
  return std::regex_search(out, m, re) ? m[1].str() : std::string();
}
} // namespace

BOOST_AUTO_TEST_CASE(high_conflict_stories_never_overlap_with_real_clis) {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v claude"}).exit_code == 0,
                        "the Claude Code CLI is not installed (tools/bootstrap installs it)");
  test::temp_dir d;
  test::stub_api stub(script, d.path);
  auto repo = d.path / "repo";
  test::make_git_repo(repo);
  std::filesystem::create_directories(d.path / "home");
  std::random_device rd;
  std::map<std::string, std::string> env = {
      {"HOME", (d.path / "home").string()},
      {"ANTHROPIC_API_KEY", "sk-conflicts-" + std::to_string(rd())},
      {"NO_COLOR", "1"}};
  auto sdlc = [&](const std::vector<std::string>& args) { return test::sdlc(repo, args, env); };
  BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
  for (auto title : {"Write the shared file", "Rewrite the shared file"})
    BOOST_REQUIRE(sdlc({"add", title, "--status", "ready"}).exit_code == 0);
  for (auto id : {"S-0001", "S-0002"}) {
    auto file = repo / ".ai-sdlc/stories" / id / "story.md";
    auto text = test::read(file);
    test::write(file,
                std::regex_replace(text, std::regex("\n---\n"), "\nfiles: [src/shared.txt]\n---\n",
                                   std::regex_constants::format_first_only));
  }
  BOOST_REQUIRE(sdlc({"config", "api.baseUrl", stub.url()}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});

  auto r = sdlc({"run", "--concurrent", "2", "--yes", "--keep-worktrees"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.err.find("S-0002 may conflict with S-0001 (shared: src/shared.txt)") !=
                 std::string::npos,
             r.err);
  // Timestamps from the run's log lines: S-0002 began after S-0001 was done.
  auto done1 = time_of(r.out, "S-0001", "done"), start2 = time_of(r.out, "S-0002", "started");
  BOOST_REQUIRE(!done1.empty() && !start2.empty());
  BOOST_TEST(start2 >= done1, "S-0002 started " << start2 << ", S-0001 done " << done1);
  // Never two agents at once at the stand-in.
  BOOST_TEST(json::parse(stub.stats())["max_in_flight"].get<int>() == 1);
  for (auto id : {"S-0001", "S-0002"})
    BOOST_TEST(story::load(repo / ".ai-sdlc/stories" / id / "story.md").str("status") == "done");
  // And their branches do conflict, as predicted.
  auto c = sdlc({"conflicts", "S-0001", "S-0002", "--json"});
  auto j = json::parse(c.out);
  BOOST_REQUIRE(j["conflicts"].size() == 1u);
  BOOST_TEST(j["conflicts"][0]["severity"] == "high");
  BOOST_TEST(j["conflicts"][0]["merge_conflicts"] == json::array({"src/shared.txt"}));
}
