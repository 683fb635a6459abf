#define BOOST_TEST_MODULE concurrent
// `run --concurrent N` end to end. The first test uses the real Claude Code
// CLI against stub-api with 1 s latency on the demo board; the others use a
// scripted command agent (real processes, real signals) to stay fast.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <regex>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

using namespace sdlc;
using json = nlohmann::json;
using namespace std::chrono_literals;

extern char** environ;

namespace {

using env_t = std::map<std::string, std::string>;

env_t with_no_color(env_t env) {
  env["NO_COLOR"] = "1";
  return env;
}

std::string unique_marker() {
  std::random_device rd;
  return "m" + std::to_string(rd()) + std::to_string(rd());
}

struct demo_board {
  test::temp_dir d;
  std::filesystem::path repo;
  std::map<std::string, std::string> env;
  explicit demo_board(std::map<std::string, std::string> e = {})
      : repo(d.path / "repo"), env(std::move(e)) {
    test::make_git_repo(repo);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
    BOOST_REQUIRE(
        sdlc({"add", "Add a greeting script", "--status", "ready", "--priority", "10"}).exit_code ==
        0);
    BOOST_REQUIRE(
        sdlc({"add", "Add a farewell script", "--status", "ready", "--priority", "20"}).exit_code ==
        0);
    BOOST_REQUIRE(sdlc({"add", "Greet and say farewell in one script", "--status", "ready",
                        "--priority", "30", "--depends-on", "S-0001", "--depends-on", "S-0002"})
                      .exit_code == 0);
    BOOST_REQUIRE(
        sdlc({"add", "Document the modules", "--status", "ready", "--priority", "40"}).exit_code ==
        0);
    BOOST_REQUIRE(sdlc({"add", "Add a name helper", "--status", "ready", "--priority", "50",
                        "--depends-on", "S-0003"})
                      .exit_code == 0);
  }
  test::run_result sdlc(const std::vector<std::string>& args) {
    return test::sdlc(repo, args, env);
  }
  void commit() {
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  std::string status_of(const std::string& id) {
    return story::load(repo / ".ai-sdlc/stories" / id / "story.md").str("status");
  }
  std::string files_of(const std::string& id, const std::string& slug) {
    return test::git(repo, {"diff", "--name-only", "main", "ai-sdlc/" + id + "-" + slug});
  }
};

// "<iso> S-0003 started" -> time of that line, from the run's plain output.
std::string time_of(const std::string& out, const std::string& id, const std::string& what) {
  std::regex re("(\\S+) " + id + " " + what);
  std::smatch m;
  return std::regex_search(out, m, re) ? m[1].str() : std::string();
}

// A command agent: each action takes $AGENT_SECONDS (default 0.2), implement
// writes one file named after the story.
const char* agent_script = R"sh(#!/bin/sh
echo '{"type":"progress","percent":10,"message":"starting"}'
if [ "$SDLC_ACTION" = implement ] && [ -n "$SLOW_IMPLEMENT" ] && [ ! -f "$SLOW_IMPLEMENT.done" ]; then
  sleep 30
fi
sleep "${AGENT_SECONDS:-0.2}"
case "$SDLC_ACTION" in
  implement|rework) echo "$SDLC_STORY_ID" > "$SDLC_STORY_ID.txt"; echo implemented;;
  review) printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) echo "notes for $SDLC_ACTION";;
esac
)sh";

struct command_board : demo_board {
  std::string marker = unique_marker();
  explicit command_board(std::map<std::string, std::string> extra = {})
      : demo_board(std::move(extra)) {
    env["RUN_MARKER"] = marker; // lets the test find every process of this run
    test::write(d.path / "agent.sh", agent_script);
    std::filesystem::permissions(d.path / "agent.sh", std::filesystem::perms::owner_all);
    BOOST_REQUIRE(sdlc({"config", "agent.command", (d.path / "agent.sh").string()}).exit_code == 0);
    commit();
  }
};

} // namespace

namespace {

// The run journal of a real run (issue 18): every action of every story
// started and ended, in order, with the stand-in's tokens and cost; the
// dependents started after their dependencies finished; `report` agrees.
void journal_is_consistent(const std::filesystem::path& repo) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(repo / ".ai-sdlc/runs"))
    files.push_back(e.path() / "events.jsonl");
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  std::vector<json> lines;
  {
    std::ifstream in(files[0]);
    for (std::string line; std::getline(in, line);)
      lines.push_back(json::parse(line));
  }
  BOOST_REQUIRE(lines.size() > 20u);
  BOOST_TEST(lines.front()["event"] == "run_started");
  BOOST_TEST(lines.back()["event"] == "run_finished");
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>> open; // story -> started
  std::map<std::string, int> actions, usages;
  std::map<std::string, int64_t> finished, first_start;
  for (const auto& l : lines) {
    const auto event = l["event"].get<std::string>();
    if (!l.contains("story")) continue;
    const auto id = l["story"].get<std::string>();
    const auto at = l["at_ms"].get<int64_t>();
    if (event == "action_started") {
      BOOST_TEST(open[id].empty(), id << ": one action at a time");
      open[id].emplace_back(l["action"].get<std::string>(), at);
      if (!first_start.count(id)) first_start[id] = at;
    } else if (event == "action_finished" && l["action"] != "move_to_done") {
      BOOST_REQUIRE_MESSAGE(!open[id].empty(), id + ": a finish without a start");
      BOOST_TEST(open[id].back().first == l["action"].get<std::string>());
      BOOST_TEST(at >= open[id].back().second);
      open[id].clear();
      ++actions[id];
    } else if (event == "usage") {
      BOOST_TEST(l["input_tokens"].get<int64_t>() > 0, l.dump());
      ++usages[id];
    } else if (event == "story_finished") {
      BOOST_TEST(l["result"] == "done", id);
      finished[id] = at;
    }
  }
  for (auto id : {"S-0001", "S-0002", "S-0003", "S-0004", "S-0005"}) {
    BOOST_TEST(open[id].empty(), id << ": an action never ended");
    BOOST_TEST(actions[id] >= 4, id); // research, plan, implement, review
    BOOST_TEST(usages[id] == actions[id], id << ": each action's cost recorded");
  }
  BOOST_TEST(first_start["S-0003"] >= finished["S-0001"]);
  BOOST_TEST(first_start["S-0003"] >= finished["S-0002"]);
  BOOST_TEST(first_start["S-0005"] >= finished["S-0003"]);
  auto report = json::parse(test::sdlc(repo, {"report", "--json"}, {{"NO_COLOR", "1"}}).out);
  BOOST_TEST(report["cost_usd"].get<double>() > 0);
  auto path = report["critical_path"].get<std::vector<std::string>>();
  BOOST_TEST((std::find(path.begin(), path.end(), "S-0003") != path.end()));
}

} // namespace

BOOST_AUTO_TEST_CASE(demo_board_at_concurrency_3_with_the_real_cli) {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v claude"}).exit_code == 0,
                        "the Claude Code CLI is not installed (tools/bootstrap installs it)");
  test::temp_dir s;
  auto script = test::read(std::string(SDLC_SOURCE_DIR) + "/tools/demo/stub-script.yaml");
  script = std::regex_replace(script, std::regex("latency_ms: 200"), "latency_ms: 1000");
  test::stub_api stub(script, s.path);
  std::filesystem::create_directories(s.path / "home");
  demo_board b({{"HOME", (s.path / "home").string()},
                {"ANTHROPIC_API_KEY", "sk-concurrent-" + unique_marker()}});
  BOOST_REQUIRE(b.sdlc({"config", "api.baseUrl", stub.url()}).exit_code == 0);
  b.commit();
  auto r = b.sdlc({"run", "--concurrent", "3"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  for (auto id : {"S-0001", "S-0002", "S-0003", "S-0004", "S-0005"})
    BOOST_TEST(b.status_of(id) == "done", id);
  // Independent branches hold only their own files; dependents also their dependencies'.
  BOOST_TEST(b.files_of("S-0001", "add-a-greeting-script") == "src/greet.sh\n");
  BOOST_TEST(b.files_of("S-0002", "add-a-farewell-script") == "src/farewell.sh\n");
  BOOST_TEST(b.files_of("S-0004", "document-the-modules") == "docs/modules.md\n");
  BOOST_TEST(b.files_of("S-0003", "greet-and-say-farewell-in-one-script") ==
             "src/both.sh\nsrc/farewell.sh\nsrc/greet.sh\n");
  BOOST_TEST(b.files_of("S-0005", "add-a-name-helper") ==
             "src/both.sh\nsrc/farewell.sh\nsrc/greet.sh\nsrc/name.sh\n");
  // Dependency order, from the run's timestamped lines.
  auto started3 = time_of(r.out, "S-0003", "started"),
       started5 = time_of(r.out, "S-0005", "started");
  auto done1 = time_of(r.out, "S-0001", "done"), done2 = time_of(r.out, "S-0002", "done"),
       done3 = time_of(r.out, "S-0003", "done");
  BOOST_REQUIRE(!started3.empty() && !done1.empty() && !done2.empty() && !started5.empty() &&
                !done3.empty());
  BOOST_TEST(started3 >= done1);
  BOOST_TEST(started3 >= done2);
  BOOST_TEST(started5 >= done3);
  // Never more than 3 agents at once (and really concurrent).
  auto stats = json::parse(stub.stats());
  BOOST_TEST(stats["max_in_flight"].get<int>() <= 3);
  BOOST_TEST(stats["max_in_flight"].get<int>() >= 2);
  BOOST_TEST(r.out.find("\x1b[") == std::string::npos);           // piped: no escape codes
  BOOST_TEST(r.out.find("story    result") != std::string::npos); // the summary table
  journal_is_consistent(b.repo);
}

BOOST_AUTO_TEST_CASE(a_killed_agent_fails_its_action_and_the_story_still_completes) {
  command_board b;
  auto flag = b.d.path / "slow";
  b.env["SLOW_IMPLEMENT"] = flag.string();
  auto out = b.d.path / "run.out";
  auto pid = test::spawn_background(
      {SDLC_BIN, "run", "--auto", "--story", "S-0001", "--story", "S-0004", "--concurrent", "2"},
      b.repo, with_no_color(b.env), out);
  // Wait for the slow implement of S-0001, then SIGKILL that agent process.
  std::vector<long> victims;
  for (int i = 0; i < 300 && victims.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    for (auto p : test::processes_with_env("SDLC_ACTION=implement"))
      if (test::read("/proc/" + std::to_string(p) + "/environ").find("SDLC_STORY_ID=S-0001") !=
              std::string::npos &&
          test::read("/proc/" + std::to_string(p) + "/environ").find(b.marker) != std::string::npos)
        victims.push_back(p);
  }
  BOOST_REQUIRE_MESSAGE(!victims.empty(), test::read(out));
  test::write(flag.string() + ".done", ""); // the retry is fast
  ::kill(static_cast<pid_t>(victims.front()), SIGKILL);
  BOOST_TEST(test::wait_exit(pid) == 0, test::read(out));
  BOOST_TEST(b.status_of("S-0001") == "done");
  BOOST_TEST(b.status_of("S-0004") == "done");
  BOOST_TEST(test::read(out).find("killed by signal 9") != std::string::npos);
  BOOST_TEST(test::none_alive_with_env(b.marker));
}

BOOST_AUTO_TEST_CASE(a_crashed_story_actor_is_restarted_from_its_checkpoint) {
  command_board b(env_t{{"SDLC_FAULT_CRASH_STORY", "S-0001:plan"}});
  auto r = b.sdlc({"run", "--auto", "--story", "S-0001", "--concurrent", "2"});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("restarting") != std::string::npos);
  BOOST_TEST(b.status_of("S-0001") == "done");
  auto state = json::parse(test::read(b.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json"));
  std::vector<std::string> done;
  for (const auto& a : state["completedActions"])
    done.push_back(a["type"]);
  // research ran once, before the crash; nothing was redone after the restart.
  BOOST_TEST(std::count(done.begin(), done.end(), "research") == 1);
  BOOST_TEST(std::count(done.begin(), done.end(), "plan") == 1);
}

BOOST_AUTO_TEST_CASE(sigint_stops_everything_and_continue_completes) {
  command_board b(env_t{{"SDLC_CONFIG__SHUTDOWN__GRACE_PERIOD", "1000"}});
  auto flag = b.d.path / "slow";
  b.env["SLOW_IMPLEMENT"] = flag.string();
  auto out = b.d.path / "run.out";
  auto pid = test::spawn_background({SDLC_BIN, "run", "--concurrent", "3"}, b.repo,
                                    with_no_color(b.env), out);
  bool implementing = false;
  for (int i = 0; i < 300 && !implementing; ++i) {
    std::this_thread::sleep_for(50ms);
    for (auto p : test::processes_with_env("SDLC_ACTION=implement"))
      implementing =
          implementing ||
          test::read("/proc/" + std::to_string(p) + "/environ").find(b.marker) != std::string::npos;
  }
  BOOST_REQUIRE_MESSAGE(implementing, test::read(out));
  ::kill(pid, SIGINT);
  auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(test::wait_exit(pid) == 130, test::read(out));
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 5s));
  BOOST_TEST(test::none_alive_with_env(b.marker)); // no agent, no orphan
  test::write(flag.string() + ".done", "");
  auto r = b.sdlc({"run", "--continue", "--concurrent", "3"});
  BOOST_TEST(r.exit_code == 0, r.out);
  auto all = b.sdlc({"run", "--concurrent", "3"}); // the stories not yet started
  BOOST_TEST(all.exit_code == 0, all.out);
  for (auto id : {"S-0001", "S-0002", "S-0003", "S-0004", "S-0005"})
    BOOST_TEST(b.status_of(id) == "done", id << "\n" << r.out << "\n" << all.out);
}

BOOST_AUTO_TEST_CASE(dashboard_in_a_real_terminal) {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v tmux"}).exit_code == 0,
                        "tmux is missing (tools/bootstrap installs it)");
  command_board b(env_t{{"AGENT_SECONDS", "1"}});
  auto session = "sdlc-dash-" + b.marker;
  std::string cmd = "cd '" + b.repo.string() + "' && env -u NO_COLOR RUN_MARKER=" + b.marker +
                    " AGENT_SECONDS=1 TERM=xterm-256color '" + SDLC_BIN +
                    "' run --concurrent 2; sleep 30";
  BOOST_REQUIRE(
      test::run({"/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "130", "-y", "30", cmd})
          .exit_code == 0);
  std::string screen;
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    std::this_thread::sleep_for(100ms);
    screen = test::run({"/usr/bin/tmux", "capture-pane", "-p", "-t", session}).out;
    seen = screen.find("of 2 running") != std::string::npos &&
           screen.find("queued") != std::string::npos &&
           screen.find("S-0005") != std::string::npos && screen.find("%") != std::string::npos;
  }
  test::run({"/usr/bin/tmux", "kill-session", "-t", session});
  BOOST_TEST(seen, screen);
  BOOST_TEST(screen.find("sdlc-actors") != std::string::npos);
  BOOST_TEST(screen.find("S-0001") != std::string::npos);
  BOOST_TEST(screen.find("elapsed") != std::string::npos);
  for (int i = 0; i < 50 && !test::none_alive_with_env(b.marker); ++i)
    std::this_thread::sleep_for(100ms);
  BOOST_TEST(test::none_alive_with_env(b.marker));
}

BOOST_AUTO_TEST_CASE(dry_run_and_batch_files) {
  command_board b;
  auto plan = b.sdlc({"run", "--concurrent", "2", "--dry-run", "--action-seconds", "10"});
  BOOST_TEST(plan.exit_code == 0, plan.err);
  BOOST_TEST(plan.out.find("expected makespan") != std::string::npos, plan.out);
  BOOST_TEST(std::regex_search(plan.out, std::regex("S-0003 .* S-0001, S-0002")), plan.out);
  BOOST_TEST(b.status_of("S-0001") == "ready"); // nothing ran
  BOOST_TEST(plan.err.find("warning:") == std::string::npos, plan.err);

  // An estimate the scheduler cannot use is named with its file, not dropped silently.
  const auto s3 = b.repo / ".ai-sdlc/stories/S-0003/story.md";
  const auto kept = test::read(s3);
  test::write(s3, "---\nestimated_effort: huge\n" + kept.substr(4));
  auto odd = b.sdlc({"run", "--concurrent", "2", "--dry-run"});
  test::write(s3, kept);
  BOOST_TEST(odd.exit_code == 0, odd.err);
  BOOST_TEST(odd.err.find("warning: S-0003 (" + s3.string() +
                          "): estimated_effort 'huge' is "
                          "not small, medium or large") != std::string::npos,
             odd.err);

  test::write(b.d.path / "batch.yaml",
              "stories: [S-0001, S-0004]\nconcurrency: 1\npriorities:\n  S-0004: 1\n"
              "timeouts:\n  agentTimeout: 60000\n");
  auto r = b.sdlc({"run", "--config", (b.d.path / "batch.yaml").string()});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(b.status_of("S-0001") == "done");
  BOOST_TEST(b.status_of("S-0004") == "done");
  BOOST_TEST(b.status_of("S-0002") == "ready");
  BOOST_TEST(time_of(r.out, "S-0004", "started") <= time_of(r.out, "S-0001", "started"));

  test::write(b.d.path / "bad.yaml", "stories: [S-0002]\nconcurency: 2\n");
  auto bad = b.sdlc({"run", "--config", (b.d.path / "bad.yaml").string()});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find("bad.yaml:2: unknown key 'concurency'") != std::string::npos, bad.err);
  test::write(b.d.path / "bad2.yaml", "timeouts:\n  agentTimeout: soon\n");
  auto bad2 = b.sdlc({"run", "--config", (b.d.path / "bad2.yaml").string()});
  BOOST_TEST(bad2.exit_code == 2);
  BOOST_TEST(bad2.err.find("'timeouts.agentTimeout' must be a whole number") != std::string::npos,
             bad2.err);
}
