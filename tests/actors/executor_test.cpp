#define BOOST_TEST_MODULE executor
// The executor actor with fake agents (shell scripts): exit codes, wall and
// idle timeouts, a hang after `result`, background grandchildren — and after
// every one of them, no member of the agent's process group is alive.
#include "actors/executor.hpp"
#include "actors/system_config.hpp"
#include "runtime/process/child_process.hpp"
#include "test_support.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;

namespace {

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  agent_outcome run(const std::string& script, int64_t wall_ms = 20000, int64_t idle_ms = 20000,
                    int64_t grace_ms = 3000) {
    agent_job job;
    job.story = "S-0001";
    job.action = action_type::implement;
    job.argv = {"/bin/sh", "-c", script};
    job.env = {{"PATH", "/usr/bin:/bin"}};
    job.cwd = "/tmp";
    job.wall_ms = wall_ms;
    job.idle_ms = idle_ms;
    job.result_grace_ms = grace_ms;
    auto exec = spawn_executor(sys, caf::actor_cast<agent_listener_actor>(self), {});
    agent_outcome out;
    bool got = false;
    self->request(exec, caf::infinite, job)
        .receive(
            [&](agent_outcome& o) {
              out = o;
              got = true;
            },
            [&](caf::error& e) { BOOST_FAIL("executor error: " << sys.render(e)); });
    BOOST_REQUIRE(got);
    return out;
  }

  // The reader has already cleared the group; give the kernel a moment to reap.
  bool group_gone(int64_t pgid) {
    for (int i = 0; i < 50 && process_group_alive(static_cast<pid_t>(pgid)); ++i)
      std::this_thread::sleep_for(20ms);
    return !process_group_alive(static_cast<pid_t>(pgid));
  }
};

const std::string result_line =
    R"(echo '{"type":"result","subtype":"success","is_error":false,"result":"all done","num_turns":2,"total_cost_usd":0.5}')";

} // namespace

BOOST_FIXTURE_TEST_CASE(exit_codes_and_result, fixture) {
  auto ok = run(result_line + "; exit 0");
  BOOST_TEST(ok.exit_code == 0);
  BOOST_TEST(ok.saw_result);
  BOOST_TEST(ok.result_text == "all done");
  BOOST_TEST(ok.num_turns == 2);
  BOOST_TEST(ok.killed_reason.empty());
  auto bad = run(result_line + "; exit 3");
  BOOST_TEST(bad.exit_code == 3);
  auto plain = run("echo plain text; echo more; exit 0");
  BOOST_TEST(!plain.saw_result);
  BOOST_TEST(plain.result_text == "plain text\nmore\n");
  BOOST_TEST(group_gone(plain.pid));
  auto missing = run("exec /nonexistent/agent");
  BOOST_TEST(missing.exit_code == 127);
}

BOOST_FIXTURE_TEST_CASE(wall_timeout_kills_the_group, fixture) {
  auto t0 = std::chrono::steady_clock::now();
  auto o = run("while true; do echo tick; sleep 0.1; done", /*wall=*/600, /*idle=*/20000);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 10s));
  BOOST_TEST(o.signal == 9);
  BOOST_TEST(o.killed_reason.find("timeouts.agentTimeout") != std::string::npos);
  BOOST_TEST(group_gone(o.pid));
}

BOOST_FIXTURE_TEST_CASE(idle_timeout_kills_a_silent_agent, fixture) {
  auto o = run("echo started; sleep 30", 20000, /*idle=*/500);
  BOOST_TEST(o.killed_reason.find("timeouts.idleTimeout") != std::string::npos);
  BOOST_TEST(group_gone(o.pid));
}

BOOST_FIXTURE_TEST_CASE(agent_hanging_after_its_result_is_killed, fixture) {
  auto o = run(result_line + "; sleep 30", 20000, 20000, /*grace=*/300);
  BOOST_TEST(o.saw_result);
  BOOST_TEST(o.killed_reason.find("after its result") != std::string::npos);
  BOOST_TEST(group_gone(o.pid));
}

BOOST_FIXTURE_TEST_CASE(background_grandchildren_do_not_survive, fixture) {
  // The grandchild keeps stdout open: the reader must not wait for EOF.
  auto t0 = std::chrono::steady_clock::now();
  auto o = run("sleep 60 & " + result_line + "; exit 0");
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 10s));
  BOOST_TEST(o.exit_code == 0);
  BOOST_TEST(o.saw_result);
  BOOST_TEST(group_gone(o.pid));
  // Detached from the pipes and double-forked: still in the group, still killed.
  auto o2 = run("(sleep 60 </dev/null >/dev/null 2>&1 &) ; " + result_line);
  BOOST_TEST(group_gone(o2.pid));
}

BOOST_FIXTURE_TEST_CASE(events_reach_the_listener, fixture) {
  auto o = run(
      R"(echo '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Write","input":{"file_path":"/tmp/x"}}]}}'; )" +
      result_line);
  std::vector<std::string> kinds;
  int64_t pid = 0;
  bool more = true;
  while (more)
    self->receive(
        [&](story_event& e) {
          BOOST_TEST(e.story == "S-0001");
          BOOST_TEST(e.action == action_type::implement);
          kinds.push_back(std::string(to_string(e.kind)) + ":" + e.text);
        },
        [&](process_started& p) { pid = p.pid; },
        caf::after(std::chrono::milliseconds(200)) >> [&] { more = false; });
  auto has = [&](const std::string& k) {
    return std::any_of(kinds.begin(), kinds.end(),
                       [&](const std::string& s) { return s.rfind(k, 0) == 0; });
  };
  BOOST_TEST(pid == o.pid); // a number, not text: the story checkpoints it
  BOOST_TEST(has("tool_use:Write /tmp/x"));
  BOOST_TEST(has("agent_result:ok"));
  BOOST_TEST(has("process_exited:exit 0"));
}

// The continue path stops an orphaned agent group before it resets the
// worktree: stop_process_group returns only once no member is alive.
BOOST_AUTO_TEST_CASE(stop_process_group_waits_until_the_group_is_gone) {
  // setsid execs in place (the spawned child is not a group leader): pid == pgid.
  int pid =
      test::spawn_quietly({"/usr/bin/setsid", "/bin/sh", "-c", "sleep 30 & sleep 30"}, {}, {}, {});
  BOOST_REQUIRE(pid > 0);
  for (int i = 0; i < 100 && !process_group_alive(pid); ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(process_group_alive(pid));
  BOOST_TEST(stop_process_group(pid, 5s));
  BOOST_TEST(!process_group_alive(pid));
  BOOST_TEST(test::wait_exit(pid) == 128 + SIGKILL);
  BOOST_TEST(stop_process_group(pid, 100ms)); // nothing left: true at once
}
