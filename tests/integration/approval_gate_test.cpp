#define BOOST_TEST_MODULE approval_gate
// stageGates.requireApprovalBeforeImplementation in a live run: a planned
// story waits (status column, --json, dashboard) while the others go on;
// `approve` typed in another process releases it without restarting the run;
// `feedback` sends it back to plan with the text in the prompt; the real
// ai-sdlc's `approve` releases it too (same field). Ctrl-C ends a run that
// holds a story, and says so. Command agent, real git repo, real processes.
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

const char* agent = "#!/bin/sh\n"
                    "case \"$SDLC_ACTION\" in\n"
                    "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
                    "  *) echo \"notes for $SDLC_ACTION\";;\n"
                    "esac\n";

struct gated_project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  stdfs::path run_log = d.path / "run.log";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", (d.path / "home").string()}};
  gated_project() {
    stdfs::create_directories(d.path / "home");
    test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
    BOOST_REQUIRE(
        sdlc({"config", "stageGates.requireApprovalBeforeImplementation", "true"}).exit_code == 0);
    for (const char* title : {"Alpha", "Beta"})
      BOOST_REQUIRE(sdlc({"add", title, "--status", "ready"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  int start_run() const {
    return test::spawn_background({SDLC_BIN, "run", "--auto", "--concurrent", "1"}, repo, env,
                                  run_log);
  }
  nlohmann::json status() const {
    auto r = sdlc({"status", "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  }
  std::vector<std::string> awaiting() const {
    return status()["awaiting_approval"].get<std::vector<std::string>>();
  }
  std::string status_of(const std::string& id) const {
    auto board = status(); // kept: the loop must not run over a destroyed temporary
    for (const auto& s : board["stories"])
      if (s["id"] == id) return s["status"].get<std::string>();
    return "";
  }
  std::string plan_prompt(const std::string& id) const {
    auto f = repo / ".ai-sdlc/stories" / id / "logs/plan.prompt.md";
    return stdfs::exists(f) ? test::read(f) : "";
  }
};

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_gated_plan_waits_and_a_person_releases_it_during_the_run) {
  gated_project p;
  test::child_guard run(p.start_run());
  // One slot: Beta could only plan because Alpha, held, gave its slot back.
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return p.awaiting().size() == 2; }),
                        test::read(p.run_log));
  auto text = p.sdlc({"status"});
  BOOST_TEST(has(text.out, "AWAITING APPROVAL (2)"), text.out);
  BOOST_TEST(!run.wait_for(1s).has_value()); // the run waits for people, it does not end

  auto approved = p.sdlc({"approve", "S-0001"});
  BOOST_TEST(approved.exit_code == 0, approved.err);
  BOOST_TEST(has(approved.out, "Approved the plan of S-0001"), approved.out);
  BOOST_TEST(test::eventually([&] { return p.status_of("S-0001") == "done"; }),
             test::read(p.run_log));
  BOOST_TEST(p.awaiting() == std::vector<std::string>{"S-0002"});

  auto fb = p.sdlc({"feedback", "S-0002", "Use a queue, not a lock."});
  BOOST_TEST(fb.exit_code == 0, fb.err);
  BOOST_TEST(
      test::eventually([&] { return has(p.plan_prompt("S-0002"), "Use a queue, not a lock."); }),
      test::read(p.run_log));
  BOOST_TEST(test::eventually([&] { return p.awaiting() == std::vector<std::string>{"S-0002"}; }));
  auto story = test::read(p.repo / ".ai-sdlc/stories/S-0002/story.md");
  BOOST_TEST(has(story, "## Human Feedback ("), story);

  // The other tool approves: its field, our run.
  auto ai = test::run({test::ai_sdlc(), "approve", "S-0002"}, p.repo, p.env);
  BOOST_TEST(ai.exit_code == 0, ai.out << ai.err);
  auto code = run.wait_for(60s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(p.run_log));
  BOOST_TEST(*code == 0, test::read(p.run_log));
  BOOST_TEST(p.status_of("S-0002") == "done");
  auto log = test::read(p.run_log);
  BOOST_TEST(has(log, "S-0001 plan approved"), log);
  BOOST_TEST(has(log, "S-0002 feedback given: planning again"), log);
  BOOST_TEST(has(log, "S-0002 plan approved"), log);
}

BOOST_AUTO_TEST_CASE(ctrl_c_ends_a_run_that_holds_a_story_and_says_so) {
  gated_project p;
  test::child_guard run(p.start_run());
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return p.awaiting().size() == 2; }),
                        test::read(p.run_log));
  ::kill(run.pid(), SIGINT);
  auto code = run.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(p.run_log));
  BOOST_TEST(*code == 130, test::read(p.run_log));
  auto log = test::read(p.run_log);
  BOOST_TEST(has(log, "awaiting-approval"), log);
  BOOST_TEST(!stdfs::exists(p.repo / ".ai-sdlc/run.lock"));
  // Nothing is lost: the next run finds them still waiting, at once.
  BOOST_TEST(p.awaiting().size() == 2u);
}

BOOST_AUTO_TEST_CASE(approve_and_feedback_refuse_what_they_cannot_do) {
  gated_project p;
  auto early = p.sdlc({"approve", "S-0001"});
  BOOST_TEST(early.exit_code == 2);
  BOOST_TEST(has(early.err, "S-0001: no plan to approve yet"), early.err);
  auto empty = p.sdlc({"feedback", "S-0001", " "});
  BOOST_TEST(empty.exit_code == 2);
  BOOST_TEST(has(empty.err, "feedback text is empty"), empty.err);
  auto missing = p.sdlc({"approve", "S-0404"});
  BOOST_TEST(missing.exit_code == 2, missing.err);
  BOOST_TEST(has(missing.err, "S-0404"), missing.err);
  for (const char* cmd : {"approve", "feedback"}) {
    auto help = p.sdlc({cmd, "--help"});
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(has(help.out, "ai-sdlc"), help.out);
  }
}

// reviewConfig.autoRestartOnRejection and autoCompleteOnApproval false: a
// rejected story waits before its rework, an approved one before it is done;
// `approve` from another process releases each during the live run.
BOOST_AUTO_TEST_CASE(rework_and_completion_wait_for_a_person_when_ai_sdlc_says_so) {
  test::temp_dir d;
  const auto repo = d.path / "repo";
  const auto actions = d.path / "actions.log";
  const auto run_log = d.path / "run.log";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"ACTIONS", actions.string()}};
  // The first review rejects, every later one approves.
  const std::string reviewer =
      "#!/bin/sh\necho \"$SDLC_ACTION\" >> \"$ACTIONS\"\n"
      "case \"$SDLC_ACTION\" in\n"
      "  review) if [ \"$(grep -c review \"$ACTIONS\")\" = 1 ]; then\n"
      "    printf '```json\\n{\"passed\": false, \"issues\": [{\"severity\": \"major\", "
      "\"category\": \"implementation\", \"description\": \"no tests\"}]}\\n```\\n';\n"
      "  else printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n'; fi;;\n"
      "  *) echo \"notes for $SDLC_ACTION\";;\n"
      "esac\n";
  test::make_command_agent_board(repo, d.path / "agent.sh", reviewer, env);
  auto sdlc = [&](const std::vector<std::string>& args) { return test::sdlc(repo, args, env); };
  BOOST_REQUIRE(sdlc({"config", "reviewConfig.autoRestartOnRejection", "false"}).exit_code == 0);
  BOOST_REQUIRE(sdlc({"config", "reviewConfig.autoCompleteOnApproval", "false"}).exit_code == 0);
  BOOST_REQUIRE(sdlc({"add", "Gamma", "--status", "ready"}).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  auto check = sdlc({"config", "--check"});
  BOOST_TEST(!has(check.err + check.out, "autoRestartOnRejection"), check.err << check.out);
  auto awaiting = [&] {
    auto r = sdlc({"status", "--json"});
    return nlohmann::json::parse(r.out)["awaiting_approval"].get<std::vector<std::string>>() ==
           std::vector<std::string>{"S-0001"};
  };
  auto count = [&](const std::string& action) {
    auto text = stdfs::exists(actions) ? test::read(actions) : "";
    int n = 0;
    for (std::size_t at = text.find(action); at != std::string::npos;
         at = text.find(action, at + 1))
      ++n;
    return n;
  };
  test::child_guard run(
      test::spawn_background({SDLC_BIN, "run", "--auto", "--story", "S-0001"}, repo, env, run_log));
  BOOST_REQUIRE_MESSAGE(test::eventually(awaiting), test::read(run_log));
  BOOST_TEST(count("review") == 1);
  BOOST_TEST(!run.wait_for(1s).has_value()); // no rework yet: the person has not read it
  BOOST_TEST(count("rework") == 0);
  auto rework = sdlc({"approve", "S-0001"});
  BOOST_TEST(has(rework.out, "Approved the rework of S-0001"), rework.out << rework.err);
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return count("review") == 2 && awaiting(); }),
                        test::read(run_log));
  BOOST_TEST(count("rework") == 1);
  auto story = test::read(repo / ".ai-sdlc/stories/S-0001/story.md");
  BOOST_TEST(has(story, "status: in-progress"), story); // approved, not done by itself
  auto done = sdlc({"approve", "S-0001"});
  BOOST_TEST(has(done.out, "Approved as done: S-0001"), done.out << done.err);
  auto code = run.wait_for(60s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(run_log));
  BOOST_TEST(*code == 0, test::read(run_log));
  BOOST_TEST(has(test::read(repo / ".ai-sdlc/stories/S-0001/story.md"), "status: done"));
  auto log = test::read(run_log);
  BOOST_TEST(has(log, "S-0001 rework approved"), log);
  BOOST_TEST(has(log, "S-0001 accepted as done"), log);
}
