#define BOOST_TEST_MODULE watch
// run --watch (ai-sdlc's daemon): the run stays up and takes what people do
// to the board while it runs — a story added by `add` or by the real
// ai-sdlc, one unblocked — within --concurrent and the other rules; a story
// that fails is not retried on every look; Ctrl-C ends it, lock released.
// Also: a story blocked by a failed dependency comes back once it is fixed.
// Command agent, real git repo, real processes and signals.
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

// Every action leaves a line "<story> <action>" in actions.log; a story
// whose prompt says "Broken" fails its implement.
const char* agent = "#!/bin/sh\n"
                    "echo \"$SDLC_STORY_ID $SDLC_ACTION\" >> \"$ACTIONS_LOG\"\n"
                    "case \"$SDLC_ACTION\" in\n"
                    "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
                    "  implement) grep -q Broken \"$SDLC_PROMPT_FILE\" && exit 3;\n"
                    "    echo implemented;;\n"
                    "  *) echo \"notes for $SDLC_ACTION\";;\n"
                    "esac\n";

struct watched_project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  stdfs::path run_log = d.path / "run.log";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"},
                                         {"HOME", (d.path / "home").string()},
                                         {"ACTIONS_LOG", (d.path / "actions.log").string()}};
  watched_project() {
    stdfs::create_directories(d.path / "home");
    test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
    BOOST_REQUIRE(sdlc({"config", "daemon.pollingInterval", "300"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  std::string add(const std::string& title, const std::string& status = "ready") const {
    auto r = sdlc({"add", title, "--status", status, "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out)["id"].get<std::string>();
  }
  std::string status_of(const std::string& id) const {
    auto r = sdlc({"details", id, "--json"});
    if (r.exit_code != 0) return "";
    return nlohmann::json::parse(r.out)["status"].get<std::string>();
  }
  // What a person does about the failing story: "Broken" gone from it (the
  // agent fails on that word), then `unblock --reset-retries`.
  bool fix(const std::string& id) const {
    auto f = repo / ".ai-sdlc/stories" / id / "story.md";
    auto text = test::read(f);
    for (auto at = text.find("Broken"); at != std::string::npos; at = text.find("Broken"))
      text.replace(at, 6, "Fixed");
    test::write(f, text);
    return sdlc({"unblock", id, "--reset-retries"}).exit_code == 0;
  }
  int actions(const std::string& id, const std::string& action) const {
    std::istringstream log(
        stdfs::exists(d.path / "actions.log") ? test::read(d.path / "actions.log") : std::string());
    int n = 0;
    for (std::string line; std::getline(log, line);)
      n += line == id + " " + action;
    return n;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(stories_added_or_unblocked_during_the_run_are_run) {
  watched_project p;
  auto first = p.add("First");
  test::child_guard run(
      test::spawn_background({SDLC_BIN, "run", "--watch"}, p.repo, p.env, p.run_log));
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return p.status_of(first) == "done"; }),
                        test::read(p.run_log));
  // Nothing left to do, and it stays up. Long enough for the board to
  // settle (board_listing): the later looks find nothing changed and do not
  // plan, and what is added next must still be seen.
  BOOST_TEST(!run.wait_for(3s).has_value());

  auto second = p.add("Second");
  BOOST_TEST(test::eventually([&] { return p.status_of(second) == "done"; }),
             test::read(p.run_log));

  // The other tool adds one (backlog: refined first, as --auto would).
  auto ai = test::run({test::ai_sdlc(), "add", "From ai-sdlc"}, p.repo, p.env);
  BOOST_REQUIRE_MESSAGE(ai.exit_code == 0, ai.out << ai.err);
  auto status = nlohmann::json::parse(p.sdlc({"status", "--json"}).out);
  std::string third;
  for (const auto& s : status["stories"])
    if (s["title"] == "From ai-sdlc") third = s["id"];
  BOOST_REQUIRE(!third.empty());
  BOOST_TEST(test::eventually([&] { return p.status_of(third) == "done"; }), test::read(p.run_log));

  // One blocked when added; unblocked while the run is up.
  auto fourth = p.add("Fourth", "blocked");
  std::this_thread::sleep_for(1s); // a few looks: a blocked story is not taken
  BOOST_TEST(p.actions(fourth, "research") == 0);
  // An estimate the scheduler cannot use is said when the story joins the run.
  const auto fourth_file = p.repo / ".ai-sdlc/stories" / fourth / "story.md";
  test::write(fourth_file, "---\nestimated_effort: huge\n" + test::read(fourth_file).substr(4));
  BOOST_TEST(p.sdlc({"unblock", fourth}).exit_code == 0);
  BOOST_TEST(test::eventually([&] { return p.status_of(fourth) == "done"; }),
             test::read(p.run_log));

  ::kill(run.pid(), SIGINT);
  auto code = run.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(p.run_log));
  BOOST_TEST(*code == 130, test::read(p.run_log));
  BOOST_TEST(!stdfs::exists(p.repo / ".ai-sdlc/run.lock"));
  for (const auto& id : {first, second, third, fourth})
    BOOST_TEST(p.actions(id, "implement") == 1, id); // each ran once, none twice
  auto log = test::read(p.run_log);
  BOOST_TEST(log.find("watching the board every 300 ms") != std::string::npos, log);
  BOOST_TEST(log.find(second + " picked up: Second") != std::string::npos, log);
  BOOST_TEST(log.find(fourth + " warning: " + fourth + " (") != std::string::npos, log);
  BOOST_TEST(log.find("estimated_effort 'huge'") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(a_failed_story_is_not_retried_on_every_look_until_it_changes) {
  watched_project p;
  auto broken = p.add("Broken");
  test::child_guard run(
      test::spawn_background({SDLC_BIN, "run", "--watch"}, p.repo, p.env, p.run_log));
  BOOST_REQUIRE_MESSAGE(test::eventually([&] {
                          auto s = p.status_of(broken);
                          return s == "blocked";
                        }),
                        test::read(p.run_log));
  const int tries = p.actions(broken, "implement");
  BOOST_TEST(tries >= 1);
  std::this_thread::sleep_for(3s); // ten looks, the later ones on a settled board
  BOOST_TEST(p.actions(broken, "implement") == tries, test::read(p.run_log));
  // Fixed by a person (here: retitled) and unblocked: taken again.
  BOOST_TEST(p.fix(broken));
  BOOST_TEST(test::eventually([&] { return p.status_of(broken) == "done"; }),
             test::read(p.run_log));
  ::kill(run.pid(), SIGTERM);
  auto code = run.wait_for(30s);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 130);
}

// Not --watch, the same concern: what a failure blocked comes back once the
// failure is fixed. A dependent the run blocked because its dependency
// failed (`blocked_by`) is taken again by the run that finishes the
// dependency — before, it stayed blocked and that run exited 0.
BOOST_AUTO_TEST_CASE(a_story_blocked_by_a_failed_dependency_returns_when_it_is_fixed) {
  watched_project p;
  auto broken = p.add("Broken");
  auto after = p.sdlc({"add", "After", "--status", "ready", "--depends-on", broken, "--json"});
  BOOST_REQUIRE(after.exit_code == 0);
  auto dependent = nlohmann::json::parse(after.out)["id"].get<std::string>();
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "stories"});
  auto first = p.sdlc({"run", "--concurrent", "1"});
  BOOST_TEST(first.exit_code == 1, first.out << first.err);
  BOOST_TEST(p.status_of(dependent) == "blocked");
  auto details = nlohmann::json::parse(p.sdlc({"details", dependent, "--json"}).out);
  BOOST_TEST(details["frontmatter"]["blocked_by"] == broken);

  BOOST_REQUIRE(p.fix(broken));
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "fixed"});
  auto second = p.sdlc({"run", "--concurrent", "1"});
  BOOST_TEST(second.exit_code == 0, second.out << second.err);
  BOOST_TEST(second.out.find("unblocking " + dependent + ": " + broken) != std::string::npos,
             second.out);
  BOOST_TEST(p.status_of(broken) == "done");
  BOOST_TEST(p.status_of(dependent) == "done");
}
