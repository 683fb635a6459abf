#define BOOST_TEST_MODULE claude_e2e
// End to end with the real Claude Code CLI against stub-api, offline: a story
// from backlog to done in its worktree; a review REJECTED once then APPROVED;
// a review always REJECTED ending blocked; `--continue` after SIGKILL; the
// plan-approval gate with feedback and approve during a live run.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <random>
#include <sstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

using namespace sdlc;
using json = nlohmann::json;
using namespace std::chrono_literals;

extern char** environ;

namespace {

const char* base_script = R"(actions:
  refine:
    text: "# Greeting\n\n## Summary\n\nAdd a greeting.\n\n## Acceptance Criteria\n\n- [ ] src/greet.txt greets\n"
  research:
    text: "Nothing exists yet."
  plan:
    text: "1. Write src/greet.txt and docs/greet.md."
  implement:
    writes:
      - path: src/greet.txt
        content: "hello\n"
      - path: docs/greet.md
        content: "# Greeting\n"
    text: "Implemented."
  rework:
    edits:
      - path: src/greet.txt
        old: "hello"
        new: "hello, world"
    text: "Reworked."
)";

struct e2e {
  test::temp_dir d;
  std::filesystem::path repo;
  std::string api_key;
  std::unique_ptr<test::stub_api> stub;
  std::map<std::string, std::string> env;

  explicit e2e(const std::string& review_and_more) : repo(d.path / "repo") {
    BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v claude"}).exit_code == 0,
                          "the Claude Code CLI is not installed (tools/bootstrap installs it)");
    test::make_git_repo(repo);
    std::random_device rd;
    api_key = "sk-e2e-" + std::to_string(rd()) + std::to_string(rd());
    stub = std::make_unique<test::stub_api>(std::string(base_script) + review_and_more, d.path);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
    BOOST_REQUIRE(sdlc({"add", "Add a greeting"}).exit_code == 0);
    BOOST_REQUIRE(sdlc({"config", "api.baseUrl", stub->url()}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
    std::filesystem::create_directories(d.path / "home");
    env = {{"HOME", (d.path / "home").string()}, {"ANTHROPIC_API_KEY", api_key}};
  }

  test::run_result sdlc(const std::vector<std::string>& args) {
    return test::sdlc(repo, args, env);
  }
  story the_story() { return story::load(repo / ".ai-sdlc/stories/S-0001/story.md"); }
  json stats() { return json::parse(stub->stats()); }
  long calls(const std::string& action) {
    auto s = stats();
    auto key = "S-0001/" + action;
    return s["scripted_calls"].contains(key) ? s["scripted_calls"][key].get<long>() : 0;
  }
  std::string branch_files() {
    return test::git(repo, {"diff", "--name-only", "main", "ai-sdlc/S-0001-add-a-greeting"});
  }
  bool has_session_transcript(const std::string& sid) {
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(d.path / "home/.claude/projects", ec))
      if (std::filesystem::exists(e.path() / (sid + ".jsonl"))) return true;
    return false;
  }
  std::string all_logs() {
    std::string out;
    for (auto& e : std::filesystem::recursive_directory_iterator(repo / ".ai-sdlc/stories"))
      if (e.is_regular_file()) out += test::read(e.path());
    return out;
  }
};

// Runs S-0001 in the background and SIGKILLs the run once `action`'s agent
// has made its first API call and `ready` (if given) holds.
void kill_run_during(e2e& t, const std::map<std::string, std::string>& env,
                     const std::string& action, const std::function<bool()>& ready = {}) {
  auto pid = test::spawn_background({SDLC_BIN, "run", "--auto", "--story", "S-0001", "--worktree"},
                                    t.repo, env, t.d.path / "run1.out");
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    std::this_thread::sleep_for(50ms);
    started = t.calls(action) >= 1 && (!ready || ready());
  }
  BOOST_REQUIRE_MESSAGE(started, test::read(t.d.path / "run1.out"));
  ::kill(pid, SIGKILL);
  test::wait_exit(pid);
}

} // namespace

BOOST_AUTO_TEST_CASE(backlog_to_done_in_its_worktree) {
  e2e t("  review:\n    decisions: [APPROVED]\n");
  auto r = t.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  auto s = t.the_story();
  BOOST_TEST(s.str("status") == "done");
  BOOST_TEST(s.flag("reviews_complete"));
  BOOST_TEST(s.str("branch") == "ai-sdlc/S-0001-add-a-greeting");
  BOOST_TEST(s.body().find("## Research\n\nNothing exists yet.") != std::string::npos);
  BOOST_TEST(s.body().find("## Implementation Plan") != std::string::npos);
  BOOST_TEST(s.body().find("## Review Notes") != std::string::npos);
  // The branch holds exactly the files the stub told the agent to write, committed.
  BOOST_TEST(t.branch_files() == "docs/greet.md\nsrc/greet.txt\n");
  BOOST_TEST(test::git(t.repo, {"show", "ai-sdlc/S-0001-add-a-greeting:src/greet.txt"}) ==
             "hello\n");
  BOOST_TEST(test::git(t.repo, {"log", "-1", "--format=%s", "ai-sdlc/S-0001-add-a-greeting"})
                 .find("S-0001: implement") == 0u);
  auto wt = t.repo / ".ai-sdlc/worktrees/S-0001-add-a-greeting";
  BOOST_TEST(test::git(wt, {"status", "--porcelain"}).empty());
  BOOST_TEST(test::git(t.repo, {"rev-parse", "--abbrev-ref", "HEAD"}) == "main\n");
  BOOST_TEST(!std::filesystem::exists(t.repo / "src/greet.txt")); // main checkout untouched
  // Each action ran once; the API key never reached our logs or state.
  for (auto a : {"refine", "research", "plan", "implement", "review"})
    BOOST_TEST(t.calls(a) == 1, a);
  BOOST_TEST(t.all_logs().find(t.api_key) == std::string::npos);
  BOOST_TEST(r.out.find(t.api_key) == std::string::npos);
  BOOST_TEST(test::none_alive_with_env(t.api_key));
  auto logs = t.sdlc({"logs", "S-0001", "-n", "3"});
  BOOST_TEST(logs.exit_code == 0);
  BOOST_TEST(logs.out.find("run ends for this story: done") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejected_once_then_approved_goes_through_rework) {
  e2e t("  review:\n    decisions: [REJECTED, APPROVED]\n");
  auto r = t.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  auto s = t.the_story();
  BOOST_TEST(s.str("status") == "done");
  BOOST_TEST(s.number("retry_count", 0) == 1);
  BOOST_TEST(s.frontmatter()["review_history"].size() == 2u);
  BOOST_TEST(s.frontmatter()["review_history"][0]["decision"].as<std::string>() == "REJECTED");
  BOOST_TEST(s.frontmatter()["review_history"][1]["decision"].as<std::string>() == "APPROVED");
  BOOST_TEST(t.calls("review") == 2);
  BOOST_TEST(t.calls("rework") == 1);
  BOOST_TEST(t.calls("implement") == 1);
  BOOST_TEST(test::git(t.repo, {"show", "ai-sdlc/S-0001-add-a-greeting:src/greet.txt"}) ==
             "hello, world\n");
  BOOST_TEST(test::git(t.repo, {"log", "-1", "--format=%s", "ai-sdlc/S-0001-add-a-greeting"})
                 .find("S-0001: rework") == 0u);
}

BOOST_AUTO_TEST_CASE(always_rejected_ends_blocked_after_three_retries) {
  e2e t("  review:\n    decisions: [REJECTED]\n");
  auto r = t.sdlc({"run", "--auto", "--story", "S-0001", "--worktree"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto s = t.the_story();
  BOOST_TEST(s.str("status") == "blocked");
  BOOST_TEST(s.str("blocked_reason").find("review rejected 4 times") != std::string::npos);
  BOOST_TEST(s.number("retry_count", 0) == 3);
  BOOST_TEST(t.calls("review") == 4);
  BOOST_TEST(t.calls("rework") == 3);
  auto st = t.sdlc({"status", "--json"});
  BOOST_TEST(json::parse(st.out)["stories"][0]["flags"]["error"] == true);
}

BOOST_AUTO_TEST_CASE(continue_after_sigkill_mid_implement) {
  e2e t("  review:\n    decisions: [APPROVED]\n");
  // Start the run in the background.
  auto env = t.env;
  env["SDLC_CONFIG__TIMEOUTS__IDLE_TIMEOUT"] = "60000";
  // Killed once the implement agent has made its first API call.
  kill_run_during(t, env, "implement");
  auto state = json::parse(test::read(t.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json"));
  BOOST_TEST(state["currentAction"]["type"] == "implement");
  BOOST_TEST(state["currentAction"]["sessionId"].get<std::string>().size() == 36u);

  auto r = t.sdlc({"run", "--continue"});
  BOOST_TEST_MESSAGE("first run:\n"
                     << test::read(t.d.path / "run1.out") << "\ncontinue:\n"
                     << r.out << r.err);
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("'implement' was interrupted") != std::string::npos, r.out);
  auto s = t.the_story();
  BOOST_TEST(s.str("status") == "done");
  // Finished actions were not redone; implement ran again on the same branch.
  BOOST_TEST(t.calls("refine") == 1);
  BOOST_TEST(t.calls("research") == 1);
  BOOST_TEST(t.calls("plan") == 1);
  BOOST_TEST(t.calls("implement") >= 1);
  BOOST_TEST(t.calls("review") == 1);
  BOOST_TEST(t.branch_files() == "docs/greet.md\nsrc/greet.txt\n");
  // Nothing of either run is still alive.
  test::none_alive_with_env(t.api_key);
  for (auto alive : test::processes_with_env(t.api_key))
    BOOST_ERROR("still alive: pid " << alive << " "
                                    << test::read("/proc/" + std::to_string(alive) + "/cmdline"));
}

BOOST_AUTO_TEST_CASE(an_interrupted_research_resumes_its_claude_session) {
  // Research answers slowly, so the kill lands while the CLI waits for it.
  e2e t("  review:\n    decisions: [APPROVED]\nstories:\n  S-0001:\n    research:\n"
        "      text: \"Nothing exists yet.\"\n      latency_ms: 5000\n");
  // Claude Code writes its session transcript on a flush timer, so the first
  // API call can come before the transcript exists; a run killed then has no
  // session to resume (and rightly starts a new one). Kill once it exists.
  std::string sid;
  kill_run_during(t, t.env, "research", [&] {
    auto state_file = t.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json";
    if (!std::filesystem::exists(state_file)) return false;
    auto state = json::parse(test::read(state_file));
    if (!state.contains("currentAction") || state["currentAction"]["type"] != "research")
      return false;
    sid = state["currentAction"]["sessionId"].get<std::string>();
    return t.has_session_transcript(sid);
  });
  auto state = json::parse(test::read(t.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json"));
  BOOST_REQUIRE(state["currentAction"]["type"] == "research");
  BOOST_REQUIRE(state["currentAction"]["sessionId"] == sid);

  auto r = t.sdlc({"run", "--continue"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(t.the_story().str("status") == "done");
  // The same Claude session went on (--resume), and its answer landed once.
  BOOST_TEST(t.all_logs().find("research started (resuming session " + sid + ")") !=
                 std::string::npos,
             t.all_logs());
  auto body = t.the_story().body();
  auto first = body.find("## Research");
  BOOST_TEST(first != std::string::npos);
  BOOST_TEST(body.find("## Research", first + 1) == std::string::npos);
  test::none_alive_with_env(t.api_key); // waits for the killed run's group to go
  for (auto alive : test::processes_with_env(t.api_key))
    BOOST_ERROR("still alive: pid " << alive << " "
                                    << test::read("/proc/" + std::to_string(alive) + "/cmdline"));
}

// stageGates.requireApprovalBeforeImplementation with the real CLI: the plan
// waits; `feedback` from another process sends it back to plan and the text
// reaches the API in the next plan's request; `approve` from another process
// releases it during the same live run, which then implements it.
BOOST_AUTO_TEST_CASE(a_gated_plan_waits_for_feedback_and_approval_during_the_live_run) {
  const std::string feedback = "Greet in French as well.";
  e2e t("  review:\n    decisions: [APPROVED]\nwatch_for: [\"" + feedback + "\"]\n");
  BOOST_REQUIRE(
      t.sdlc({"config", "stageGates.requireApprovalBeforeImplementation", "true"}).exit_code == 0);
  test::git(t.repo, {"commit", "-q", "-am", "gate"});
  auto out = t.d.path / "run.out";
  test::child_guard run(test::spawn_background(
      {SDLC_BIN, "run", "--auto", "--story", "S-0001", "--worktree"}, t.repo, t.env, out));
  auto awaiting = [&] {
    auto st = t.sdlc({"status", "--json"});
    return st.exit_code == 0 && json::parse(st.out)["awaiting_approval"].size() == 1;
  };
  BOOST_REQUIRE_MESSAGE(test::eventually(awaiting, 120s),
                        test::read(out)); // the CLI: seconds per action
  BOOST_TEST(t.calls("plan") == 1);
  BOOST_TEST(t.calls("implement") == 0);

  auto fb = t.sdlc({"feedback", "S-0001", feedback});
  BOOST_TEST(fb.exit_code == 0, fb.err);
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return t.calls("plan") == 2 && awaiting(); }, 120s),
                        test::read(out));
  // The second plan's requests carried the feedback; the first plan's did not.
  std::vector<bool> plan_requests; // in order: did this one carry the feedback?
  std::istringstream log(test::read(t.stub->log_file()));
  for (std::string line; std::getline(log, line);) {
    auto j = json::parse(line);
    if (j["action"] == "plan") plan_requests.push_back(!j["seen"].empty());
  }
  BOOST_REQUIRE(!plan_requests.empty());
  BOOST_TEST(!plan_requests.front());
  BOOST_TEST(std::count(plan_requests.begin(), plan_requests.end(), true) >= 1);
  BOOST_TEST(t.calls("implement") == 0);

  auto ok = t.sdlc({"approve", "S-0001"});
  BOOST_TEST(ok.exit_code == 0, ok.err);
  auto code = run.wait_for(180s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), test::read(out));
  BOOST_TEST(*code == 0, test::read(out));
  auto s = t.the_story();
  BOOST_TEST(s.str("status") == "done");
  BOOST_TEST(s.flag("plan_review_complete"));
  BOOST_TEST(s.body().find("## Human Feedback (") != std::string::npos);
  BOOST_TEST(t.calls("implement") == 1);
  BOOST_TEST(test::read(out).find("S-0001 plan approved") != std::string::npos, test::read(out));
}
