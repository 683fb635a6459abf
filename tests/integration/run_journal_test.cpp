#define BOOST_TEST_MODULE run_journal
// The run journal (issue 18, part 1): a real run with a command agent writes
// .ai-sdlc/runs/<run-id>/events.jsonl with every action of every story, in
// consistent time order; a run killed with SIGKILL leaves a journal that reads
// up to its last whole line.
#include "runtime/report/run_journal.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

using namespace sdlc;
namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string agent = "#!/bin/sh\n"
                          "[ \"$SDLC_ACTION\" = implement ] && sleep \"${IMPLEMENT_SECONDS:-0}\"\n"
                          "if [ \"$SDLC_ACTION\" = review ]; then\n"
                          "  printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n'\n"
                          "else echo ok; fi\n";

struct project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}};
  std::string marker = "journal-test-" + std::to_string(::getpid());
  explicit project(int stories, const std::string& implement_seconds = "0") {
    env["IMPLEMENT_SECONDS"] = implement_seconds;
    env["RUN_MARKER"] = marker;
    test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
    for (int i = 1; i <= stories; ++i)
      BOOST_REQUIRE(
          test::sdlc(repo, {"add", "Story " + std::to_string(i), "--status", "ready"}, env)
              .exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  std::vector<stdfs::path> journals() const {
    std::vector<stdfs::path> out;
    if (stdfs::exists(repo / ".ai-sdlc/runs"))
      for (const auto& e : stdfs::directory_iterator(repo / ".ai-sdlc/runs"))
        out.push_back(e.path() / "events.jsonl");
    return out;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_run_journals_every_action_of_every_story_in_time_order) {
  project p(3);
  auto r = test::sdlc(p.repo, {"run", "--concurrent", "2"}, p.env);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  auto files = p.journals();
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  auto lines = read_journal(files[0]);
  BOOST_REQUIRE(lines.size() > 10u);
  BOOST_TEST(lines.front()["event"] == "run_started");
  BOOST_TEST(lines.front()["run"] == files[0].parent_path().filename().string());
  BOOST_TEST(lines.front()["stories"].size() == 3u);
  BOOST_TEST(lines.front()["concurrency"] == 2);
  BOOST_TEST(lines.back()["event"] == "run_finished");
  BOOST_TEST(lines.back()["summary"].get<std::string>().find("S-0003") != std::string::npos);

  int64_t last = 0;
  std::map<std::string, std::vector<std::string>> started, finished; // story -> actions
  std::map<std::string, std::string> result;
  for (const auto& l : lines) {
    BOOST_TEST(l["at_ms"].get<int64_t>() >= last - 1000); // senders differ; no time travel
    last = std::max(last, l["at_ms"].get<int64_t>());
    const auto event = l["event"].get<std::string>();
    if (event == "action_started") {
      auto& mine = started[l["story"]];
      // one action at a time per story: the previous one finished first
      BOOST_TEST(finished[l["story"]].size() == mine.size(), l.dump());
      mine.push_back(l["action"]);
    }
    if (event == "action_finished") finished[l["story"]].push_back(l["action"]);
    if (event == "story_finished") result[l["story"]] = l["result"];
  }
  const std::vector<std::string> workflow{"research", "plan", "implement", "review"};
  for (auto id : {"S-0001", "S-0002", "S-0003"}) {
    BOOST_TEST(started[id] == workflow, id);
    // each started action finished, then the (instant) move to done
    BOOST_TEST(finished[id] == (std::vector<std::string>{"research", "plan", "implement", "review",
                                                         "move_to_done"}),
               id);
    BOOST_TEST(result[id] == "done", id);
  }
  // `report` reads it: S-0003 waited for one of the two slots.
  auto rep = test::sdlc(p.repo, {"report", "--json"}, p.env);
  BOOST_REQUIRE_MESSAGE(rep.exit_code == 0, rep.err);
  auto report = nlohmann::json::parse(rep.out);
  BOOST_TEST(report["finished"] == true);
  BOOST_TEST(report["stories"].size() == 3u);
  BOOST_TEST(!report["critical_path"].empty());
  BOOST_TEST(report["makespan_ms"].get<int64_t>() >= report["lower_bound_ms"].get<int64_t>());
  BOOST_TEST(report["stories"][2]["id"] == "S-0003");
  BOOST_TEST(report["stories"][2]["waited_ms"].value("slot", 0) > 0, rep.out);
  BOOST_TEST(report["stories"][0]["actions"].size() >= 4u);
  BOOST_TEST(test::sdlc(p.repo, {"report", "no-such-run"}, p.env).exit_code == 2);
  // A second run gets a journal of its own.
  BOOST_REQUIRE(test::sdlc(p.repo, {"add", "Story 4", "--status", "ready"}, p.env).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(p.repo, {"run", "--concurrent", "2", "--force"}, p.env).exit_code == 0);
  BOOST_TEST(p.journals().size() == 2u);
  auto runs = nlohmann::json::parse(test::sdlc(p.repo, {"runs", "--json"}, p.env).out);
  BOOST_REQUIRE_EQUAL(runs.size(), 2u);
  BOOST_TEST(runs[0]["stories"] == 3);
  BOOST_TEST(runs[0]["done"] == 3);
  BOOST_TEST(runs[0]["finished"] == true);
  BOOST_TEST(runs[1]["stories"] == 1);
  BOOST_TEST(runs[0]["id"].get<std::string>() < runs[1]["id"].get<std::string>());
  auto text = test::sdlc(p.repo, {"runs"}, p.env).out;
  BOOST_TEST(text.find(runs[1]["id"].get<std::string>()) != std::string::npos, text);
  // report.keepRuns: a run starting prunes the oldest journals beyond it.
  const auto newest_before = runs[1]["id"].get<std::string>();
  BOOST_REQUIRE(test::sdlc(p.repo, {"config", "report.keepRuns", "1"}, p.env).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(p.repo, {"add", "Story 5", "--status", "ready"}, p.env).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(p.repo, {"run", "--force"}, p.env).exit_code == 0);
  runs = nlohmann::json::parse(test::sdlc(p.repo, {"runs", "--json"}, p.env).out);
  BOOST_REQUIRE_EQUAL(runs.size(), 1u);
  BOOST_TEST(runs[0]["stories"] == 1);
  BOOST_TEST(runs[0]["id"].get<std::string>() > newest_before); // the run just made
}

BOOST_AUTO_TEST_CASE(a_journal_of_a_killed_run_reads_up_to_its_last_line) {
  project p(2, "30");
  test::child_guard run(test::spawn_background({SDLC_BIN, "run", "--concurrent", "2"}, p.repo,
                                               p.env, p.d.path / "run.out"));
  // Kill once both stories are inside implement, as the journal says.
  bool inside = false;
  for (int i = 0; i < 400 && !inside; ++i) {
    std::this_thread::sleep_for(50ms);
    auto files = p.journals();
    if (files.empty() || !stdfs::exists(files[0])) continue;
    auto text = test::read(files[0]);
    inside = text.find("\"action\":\"implement\",\"at_ms\"") != std::string::npos &&
             text.find("S-0001") != std::string::npos;
  }
  BOOST_REQUIRE_MESSAGE(inside, test::read(p.d.path / "run.out"));
  std::this_thread::sleep_for(300ms); // a frame: the journal is flushed every 100 ms
  run.kill_and_let_its_guard_finish();
  auto files = p.journals();
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  auto killed = test::sdlc(p.repo, {"report", "--json"}, p.env);
  BOOST_REQUIRE_MESSAGE(killed.exit_code == 0, killed.err);
  auto report = nlohmann::json::parse(killed.out);
  BOOST_TEST(report["finished"] == false);
  BOOST_TEST(report["stories"].size() == 2u);
  // The run's guard ended its journal: it died, and both agents were stopped.
  BOOST_TEST(report["died"] == true, killed.out);
  BOOST_TEST(report["stopped"] == nlohmann::json::array({"S-0001's agent", "S-0002's agent"}),
             killed.out);
  auto said = test::sdlc(p.repo, {"report"}, p.env);
  BOOST_TEST(said.out.find("died (killed or crashed; its guard stopped S-0001's agent, "
                           "S-0002's agent)") != std::string::npos,
             said.out);
  // A torn last line, as a kill during a write leaves it, is skipped too.
  {
    std::ofstream torn(files[0], std::ios::app);
    torn << "{\"event\":\"action_fin";
  }
  auto lines = read_journal(files[0]);
  BOOST_REQUIRE(!lines.empty());
  BOOST_TEST(lines.front()["event"] == "run_started");
  bool implement_started = false;
  for (const auto& l : lines) {
    BOOST_TEST(l["event"] != "run_finished");
    implement_started |= l["event"] == "action_started" && l["action"] == "implement";
  }
  BOOST_TEST(implement_started);
  // Anything else damaged is an error naming the file and the line.
  {
    std::ofstream more(files[0], std::ios::app);
    more << "\n{\"event\":\"x\",\"at_ms\":1}\n";
  }
  try {
    read_journal(files[0]);
    BOOST_FAIL("a damaged line in the middle must be refused");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find(files[0].string()) != std::string::npos);
  }
  // The next run stops the killed run's agents, finishes, and journals apart.
  auto env = p.env;
  env["IMPLEMENT_SECONDS"] = "0";
  auto again = test::sdlc(p.repo, {"run", "--concurrent", "2"}, env);
  BOOST_TEST(again.exit_code == 0, again.out + again.err);
  BOOST_TEST(p.journals().size() == 2u);
  auto runs = nlohmann::json::parse(test::sdlc(p.repo, {"runs", "--json"}, p.env).out);
  BOOST_REQUIRE_EQUAL(runs.size(), 2u);
  BOOST_TEST(runs[0]["finished"] == false); // killed (its summary: the damaged line below)
  BOOST_TEST(runs[1]["finished"] == true);
  BOOST_TEST(runs[0].contains("problem")); // the line damaged above
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(test::none_alive_with_env(p.marker));
}
