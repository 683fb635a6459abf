#define BOOST_TEST_MODULE ai_sdlc
// An ai-sdlc project, made by the real ai-sdlc (../shared/peers), opens in
// sdlc-actors unchanged: its config loads in every command, every key it
// writes is type-checked with file, line and key, an unknown key is a warning
// with a did-you-mean, settings sdlc-actors does not act on are listed, and
// another AI provider is refused only when Claude would run.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/peer_lock.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>
#include <utime.h>

using namespace sdlc;
using json = nlohmann::ordered_json;
namespace stdfs = std::filesystem;

namespace {

struct ai_project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::string ai = test::ai_sdlc();
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", (d.path / "home").string()}};
  ai_project() {
    stdfs::create_directories(d.path / "home");
    test::make_git_repo(repo);
    auto init = test::run({ai, "init", "--quick"}, repo, env);
    BOOST_REQUIRE_MESSAGE(init.exit_code == 0, init.out << init.err);
    auto add = test::run({ai, "add", "A story from ai-sdlc"}, repo, env);
    BOOST_REQUIRE_MESSAGE(add.exit_code == 0, add.out << add.err);
  }
  stdfs::path config_file() const { return repo / ".ai-sdlc.json"; }
  json config() const { return json::parse(test::read(config_file())); }
  void write_config(const json& j) const { test::write(config_file(), j.dump(2) + "\n"); }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
};

// Every leaf key of a JSON object, as a JSON pointer and a dotted key.
void leaves(const json& j, const std::string& pointer, const std::string& dotted,
            std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      leaves(it.value(), pointer + "/" + it.key(),
             dotted.empty() ? it.key() : dotted + "." + it.key(), out);
    return;
  }
  out.emplace_back(pointer, dotted);
}

} // namespace

BOOST_AUTO_TEST_CASE(every_command_opens_a_project_ai_sdlc_made) {
  ai_project p;
  BOOST_REQUIRE(p.config().contains("ai")); // what failed before: `unknown key 'ai'`
  for (auto args : std::vector<std::vector<std::string>>{{"status"},
                                                         {"status", "--json"},
                                                         {"details", "S-0001"},
                                                         {"config"},
                                                         {"config", "reviewConfig.maxRetries"},
                                                         {"worktrees"},
                                                         {"conflicts"},
                                                         {"cleanup", "--dry-run"},
                                                         {"run", "--dry-run", "--auto"},
                                                         {"init", "--quick"}}) {
    auto r = p.sdlc(args);
    BOOST_TEST(r.exit_code == 0, args[0] << ": " << r.out << r.err);
    BOOST_TEST(r.err.find("error") == std::string::npos, args[0] << ": " << r.err);
  }
  BOOST_TEST(p.sdlc({"status"}).out.find("A story from ai-sdlc") != std::string::npos);
  auto check = p.sdlc({"config", "--check"});
  BOOST_TEST(check.exit_code == 0, check.err);
  BOOST_TEST(check.out.find("ai-sdlc settings sdlc-actors does not use: ") != std::string::npos,
             check.out);
  BOOST_TEST(check.out.find("tdd") != std::string::npos, check.out);
  BOOST_TEST(check.out.find("loads (0 warnings)") != std::string::npos, check.out);
  // The same list, once, when a run starts (on stderr: not the run's output).
  auto dry = p.sdlc({"run", "--dry-run", "--auto"});
  const std::string note = "ai-sdlc settings sdlc-actors does not use: ";
  auto first = dry.err.find(note);
  BOOST_TEST(first != std::string::npos, dry.err);
  BOOST_TEST(dry.err.find(note, first + 1) == std::string::npos, dry.err);
  BOOST_TEST(dry.out.find(note) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_key_ai_sdlc_writes_is_type_checked_with_file_line_and_key) {
  ai_project p;
  const auto original = p.config();
  std::vector<std::pair<std::string, std::string>> keys;
  leaves(original, "", "", keys);
  BOOST_REQUIRE(keys.size() > 40u);
  int checked = 0;
  for (const auto& [pointer, dotted] : keys) {
    if (dotted == "planReview") continue; // ai-sdlc's free-form section
    auto j = original;
    const auto& was = j.at(json::json_pointer(pointer));
    // A value of another type than the one ai-sdlc wrote.
    json wrong = was.is_string() ? json(12345) : json("not-the-right-type");
    j[json::json_pointer(pointer)] = wrong;
    p.write_config(j);
    BOOST_TEST_CONTEXT(dotted) {
      try {
        load_config(p.repo, {});
        BOOST_ERROR("accepted a wrong type for " << dotted);
      } catch (const error& e) {
        std::string m = e.what();
        BOOST_TEST(m.find(p.config_file().string() + ":") != std::string::npos, m);
        BOOST_TEST(m.find("'" + dotted + "'") != std::string::npos, m);
        ++checked;
      }
    }
  }
  BOOST_TEST(checked >= 40);
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_a_warning_with_a_did_you_mean) {
  ai_project p;
  auto j = p.config();
  j["reviewConfg"] = {{"maxRetries", 1}};
  j["worktree"]["basePth"] = "x";
  j["aNewerAiSdlcKey"] = true;
  p.write_config(j);
  auto r = p.sdlc({"status"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.err.find("unknown key 'reviewConfg'; did you mean 'reviewConfig'?") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("unknown key 'worktree.basePth'; did you mean 'worktree.basePath'?") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("unknown key 'aNewerAiSdlcKey'") != std::string::npos, r.err);
  auto check = p.sdlc({"config", "--check"});
  BOOST_TEST(check.exit_code == 0);
  BOOST_TEST(check.out.find("loads (3 warnings)") != std::string::npos, check.out);
}

BOOST_AUTO_TEST_CASE(another_ai_provider_is_refused_only_when_claude_would_run) {
  ai_project p;
  auto j = p.config();
  j["ai"]["provider"] = "openai";
  p.write_config(j);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "board"});
  BOOST_TEST(p.sdlc({"status"}).exit_code == 0);
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("ai.provider is 'openai'") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("agent.command") != std::string::npos, r.err);
  // With a command agent, nothing calls the provider: it runs.
  BOOST_REQUIRE(p.sdlc({"config", "agent.command", "echo notes"}).exit_code == 0);
  auto ok = p.sdlc({"run", "--auto", "--story", "S-0001", "--force"});
  BOOST_TEST(ok.err.find("ai.provider") == std::string::npos, ok.err);
}

// ai-sdlc writes a story in place (truncate, then write) under its
// proper-lockfile lock. sdlc-actors takes that lock too, so it never reads a
// half-written story and never writes over one of ai-sdlc's writes.
// ai-sdlc itself reads a story outside its lock, so an sdlc-actors write that
// lands between ai-sdlc's read and its write is overwritten — as a second
// ai-sdlc's would be; that race is ai-sdlc's and is counted, not asserted.
BOOST_AUTO_TEST_CASE(both_tools_write_one_story_and_no_ai_sdlc_write_is_lost) {
  ai_project p;
  const auto file = p.repo / ".ai-sdlc/stories/S-0001/story.md";
  BOOST_REQUIRE(stdfs::exists(file));
  board b(p.repo, load_config(p.repo, {}));
  std::atomic<bool> done{false};
  std::vector<std::string> problems;
  int ours = 0;
  std::thread sdlc_writer([&] {
    while (!done) {
      try {
        // Half of them as a run's story session writes: keeping our lock file.
        b.update_file(
            file, [&](story& s) { s.set_number("sdlc_edits", ++ours); }, nullptr,
            ours % 2 ? file_lock::on_release::keep_file : file_lock::on_release::remove_file);
      } catch (const std::exception& e) {
        problems.push_back(e.what());
      }
      // About a run's busiest rate on one story, and then some: ai-sdlc gives up
      // after 5 retries (about 3 s), so a writer that never pauses starves it.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const int rounds = 300;
  test::run_result r;
  try {
    r = test::run({"/usr/bin/env", "node", SDLC_SOURCE_DIR "/tests/helpers/ai_sdlc_writer.mjs",
                   p.ai, file.string(), std::to_string(rounds)},
                  p.repo, p.env);
  } catch (...) {
    done = true;
    sdlc_writer.join();
    throw;
  }
  done = true;
  sdlc_writer.join();
  BOOST_TEST(r.exit_code == 0, "ai-sdlc's writeStory: " << r.out << r.err);
  BOOST_TEST(problems.empty(), problems.size() << " failed updates, first: "
                                               << (problems.empty() ? "" : problems.front()));
  BOOST_TEST(ours >= 10, ours); // the two really overlapped
  auto text = test::read(file);
  auto final_story = story::parse(text, file);
  BOOST_TEST(final_story.id() == "S-0001");
  int missing = 0;
  for (int i = 0; i < rounds; ++i)
    if (text.find(fmt::format("ai-sdlc round {}\n", i)) == std::string::npos) ++missing;
  BOOST_TEST(missing == 0, missing << " of " << rounds << " ai-sdlc writes lost");
  BOOST_TEST_MESSAGE(ours << " sdlc-actors writes beside " << rounds << " ai-sdlc writes");
  BOOST_TEST(!stdfs::exists(peer_lock::dir_for(file)));
  // ai-sdlc reads the story beside the lock file a session keeps.
  b.update_file(
      file, [](story& s) { s.set_string("sdlc_note", "kept"); }, nullptr,
      file_lock::on_release::keep_file);
  BOOST_REQUIRE(stdfs::exists(board::lock_file_for(file)));
  auto details = test::run({p.ai, "details", "S-0001"}, p.repo, p.env);
  BOOST_TEST(details.exit_code == 0, details.err);
  board::release_story_lock(file);
  BOOST_TEST(!stdfs::exists(board::lock_file_for(file)));
}

BOOST_AUTO_TEST_CASE(a_dead_ai_sdlc_lock_is_taken_over_and_a_live_one_is_waited_for) {
  ai_project p;
  const auto file = p.repo / ".ai-sdlc/stories/S-0001/story.md";
  const auto lock_dir = peer_lock::dir_for(file);
  auto j = p.config();
  j["locks"] = {{"timeoutMs", 300}};
  p.write_config(j);
  board b(p.repo, load_config(p.repo, {}));

  // Left by an ai-sdlc that was killed: not refreshed for 30 s.
  stdfs::create_directory(lock_dir);
  struct utimbuf old {};
  old.actime = old.modtime = std::time(nullptr) - 30;
  BOOST_REQUIRE(::utime(lock_dir.c_str(), &old) == 0);
  BOOST_TEST(peer_lock::stale(lock_dir));
  b.update_file(file, [](story& s) { s.set_string("taken_over", "yes"); });
  BOOST_TEST(story::load(file).str("taken_over") == "yes");
  BOOST_TEST(!stdfs::exists(lock_dir));

  // Left moments ago by a run that was SIGKILLed (8 s old, never refreshed
  // again): waited for until stale, past locks.timeoutMs, then taken over —
  // the run that resumes its stories must not fail them.
  stdfs::create_directory(lock_dir);
  struct utimbuf recent {};
  recent.actime = recent.modtime = std::time(nullptr) - 8;
  BOOST_REQUIRE(::utime(lock_dir.c_str(), &recent) == 0);
  b.update_file(file, [](story& s) { s.set_string("after_kill", "yes"); });
  BOOST_TEST(story::load(file).str("after_kill") == "yes");
  BOOST_TEST(!stdfs::exists(lock_dir));

  // Held by a live ai-sdlc (it refreshes the lock as proper-lockfile does):
  // waited for, then a clear error; the lock stays its.
  stdfs::create_directory(lock_dir);
  std::atomic<bool> holding{true};
  std::thread refresher([&] {
    while (holding) {
      ::utime(lock_dir.c_str(), nullptr);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  try {
    b.update_file(file, [](story& s) { s.set_string("taken_over", "twice"); });
    BOOST_ERROR("wrote through a live ai-sdlc lock");
  } catch (const error& e) {
    std::string m = e.what();
    BOOST_TEST(m.find("ai-sdlc's lock on story S-0001") != std::string::npos, m);
    BOOST_TEST(m.find(lock_dir.string()) != std::string::npos, m);
    BOOST_TEST(m.find("locks.timeoutMs") != std::string::npos, m);
  }
  holding = false;
  refresher.join();
  BOOST_TEST(stdfs::exists(lock_dir));
  BOOST_TEST(story::load(file).str("taken_over") == "yes");
  stdfs::remove(lock_dir);
  // And ai-sdlc, in turn, waits for ours: it sees the same directory.
  {
    peer_lock ours(file, std::chrono::milliseconds(300), "story S-0001");
    BOOST_TEST(stdfs::is_directory(lock_dir));
  }
  BOOST_TEST(!stdfs::exists(lock_dir));
  // cleanup names a dead one and removes it; a live one it leaves alone.
  stdfs::create_directory(lock_dir);
  auto live = p.sdlc({"cleanup", "--dry-run"});
  BOOST_TEST(live.out.find("stale ai-sdlc lock") == std::string::npos, live.out);
  BOOST_REQUIRE(::utime(lock_dir.c_str(), &old) == 0);
  auto dry = p.sdlc({"cleanup", "--dry-run"});
  BOOST_TEST(dry.out.find("stale ai-sdlc lock") != std::string::npos, dry.out);
  BOOST_TEST(stdfs::exists(lock_dir));
  auto clean = p.sdlc({"cleanup"});
  BOOST_TEST(clean.exit_code == 0, clean.err);
  BOOST_TEST(!stdfs::exists(lock_dir));
}

// `logs` as ai-sdlc has it: -n lines (50 by default), -f picks a run's file by
// its timestamp (ai-sdlc's names and ours), -t follows.
BOOST_AUTO_TEST_CASE(logs_takes_ai_sdlc_flags_with_ai_sdlc_meanings) {
  ai_project p;
  const auto logs = p.repo / ".ai-sdlc/stories/S-0001/logs";
  stdfs::create_directories(logs);
  std::string older, newer;
  for (int i = 0; i < 60; ++i) {
    older += fmt::format("ai-sdlc line {}\n", i);
    newer += fmt::format("sdlc line {}\n", i);
  }
  test::write(logs / "2026-01-15T10-30-00.log", older); // as ai-sdlc names it
  test::write(logs / "2026-01-16T09-00-00Z.log", newer);

  auto latest = p.sdlc({"logs", "S-0001"});
  BOOST_TEST(latest.exit_code == 0, latest.err);
  BOOST_TEST(latest.out.find("sdlc line 10\n") != std::string::npos); // the last 50
  BOOST_TEST(latest.out.find("sdlc line 9\n") == std::string::npos);
  BOOST_TEST(p.sdlc({"logs", "S-0001", "-n", "2"}).out == "sdlc line 58\nsdlc line 59\n");
  BOOST_TEST(p.sdlc({"logs", "S-0001", "--lines", "1"}).out == "sdlc line 59\n");
  BOOST_TEST(p.sdlc({"logs", "S-0001", "--all"}).out == newer);
  BOOST_TEST(p.sdlc({"logs", "S-0001", "-f", "2026-01-15T10-30-00", "-n", "1"}).out ==
             "ai-sdlc line 59\n");
  BOOST_TEST(p.sdlc({"logs", "S-0001", "--file", "2026-01-16T09-00-00", "-n", "1"}).out ==
             "sdlc line 59\n");
  auto missing = p.sdlc({"logs", "S-0001", "-f", "2025-01-01T00-00-00"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("give one of: 2026-01-15T10-30-00, 2026-01-16T09-00-00Z") !=
                 std::string::npos,
             missing.err);
  // The real ai-sdlc reads the same file the same way.
  auto theirs =
      test::run({p.ai, "logs", "S-0001", "-f", "2026-01-15T10-30-00", "-n", "1"}, p.repo, p.env);
  BOOST_TEST(theirs.out.find("ai-sdlc line 59") != std::string::npos, theirs.out << theirs.err);

  // -t follows: a line appended later is printed, until the follower is stopped.
  auto out = p.d.path / "follow.out";
  int pid = test::spawn_background(
      {SDLC_BIN, "-C", p.repo.string(), "logs", "S-0001", "-t", "-n", "0"}, p.repo, p.env, out);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::ofstream append(logs / "2026-01-16T09-00-00Z.log", std::ios::app);
    append << "appended while following\n";
  }
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen = test::read(out).find("appended while following") != std::string::npos;
  }
  ::kill(pid, SIGTERM);
  test::wait_exit(pid);
  BOOST_TEST(seen, test::read(out));
  BOOST_TEST(test::read(out).find("sdlc line 59") == std::string::npos); // -n 0: only new lines
}

// The peer comes from the npm registry on its first build: without one, the
// tests that need it fail saying so (they never skip), and the half-built
// peer is not left in the cache to be mistaken for a build.
BOOST_AUTO_TEST_CASE(a_missing_npm_registry_fails_the_peer_build_with_a_clear_message) {
  test::temp_dir d;
  const auto cache = d.path / "peers";
  auto built = test::build_ai_sdlc({{"SDLC_PEERS_CACHE", cache.string()},
                                    {"npm_config_registry", "http://127.0.0.1:9/"},
                                    {"npm_config_cache", (d.path / "npm-cache").string()},
                                    {"npm_config_fetch_retries", "0"},
                                    {"npm_config_fetch_timeout", "5000"}});
  BOOST_TEST(built.executable.empty());
  BOOST_TEST(built.message.find("needs node, npm and the npm registry") != std::string::npos,
             built.message);
  BOOST_TEST(built.message.find("127.0.0.1") != std::string::npos, built.message); // npm's why
  BOOST_TEST(!std::filesystem::exists(cache / "ai-sdlc-27d2357/bin/ai-sdlc"));
}

// A run's journal lives in ai-sdlc's board folder (.ai-sdlc/runs/) and its
// setting in ai-sdlc's config (report.keepRuns): the real ai-sdlc still
// reads both the board and the config, and lists the same story.
BOOST_AUTO_TEST_CASE(ai_sdlc_reads_a_board_with_run_journals_and_report_settings) {
  ai_project p;
  test::write(p.d.path / "agent.sh", "#!/bin/sh\necho ok\n");
  stdfs::permissions(p.d.path / "agent.sh", stdfs::perms::owner_all);
  BOOST_REQUIRE(p.sdlc({"config", "agent.command", (p.d.path / "agent.sh").string()}).exit_code ==
                0);
  BOOST_REQUIRE(p.sdlc({"config", "report.keepRuns", "5"}).exit_code == 0);
  // Our notification keys beside ai-sdlc's in the same block.
  const auto heard = p.d.path / "heard.json";
  BOOST_REQUIRE(
      p.sdlc({"config", "notification.command", "cat > '" + heard.string() + "'"}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"config", "notification.channels", "[console, file, command]"}).exit_code ==
                0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "board"});
  auto r = p.sdlc({"run", "--story", "S-0001"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  BOOST_REQUIRE(!stdfs::is_empty(p.repo / ".ai-sdlc/runs"));
  auto status = test::run({p.ai, "status"}, p.repo, p.env);
  BOOST_TEST(status.exit_code == 0, status.out + status.err);
  BOOST_TEST(status.out.find("S-0001") != std::string::npos, status.out);
  BOOST_TEST(p.config()["report"]["keepRuns"] == 5);
  BOOST_TEST(test::read(heard).find("\"event\":\"run_finished\"") != std::string::npos);
  BOOST_TEST(stdfs::exists(p.repo / ".ai-sdlc/notifications.log"));
}

// A failed action leaves our fields in the checkpoint's currentAction
// (failedAttempts, failed, lastFailure): ai-sdlc still loads and validates
// that checkpoint, and resumes from it.
BOOST_AUTO_TEST_CASE(ai_sdlc_resumes_from_a_checkpoint_that_counts_failed_attempts) {
  ai_project p;
  test::write(p.d.path / "agent.sh", "#!/bin/sh\necho 'no answer' >&2\nexit 1\n");
  stdfs::permissions(p.d.path / "agent.sh", stdfs::perms::owner_all);
  BOOST_REQUIRE(p.sdlc({"config", "agent.command", (p.d.path / "agent.sh").string()}).exit_code ==
                0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "board"});
  auto r = p.sdlc({"run", "--story", "S-0001"});
  BOOST_TEST(r.exit_code == 1, r.out + r.err);
  const auto state =
      json::parse(test::read(p.repo / ".ai-sdlc/stories/S-0001/.workflow-state.json"));
  BOOST_TEST(state["currentAction"]["failedAttempts"] == 1, state.dump(2));
  BOOST_TEST(state["currentAction"]["failed"] == true);
  auto resumed =
      test::run({p.ai, "run", "--continue", "--story", "S-0001", "--dry-run"}, p.repo, p.env);
  BOOST_TEST(resumed.exit_code == 0, resumed.out + resumed.err);
  BOOST_TEST(resumed.out.find("Resuming workflow from checkpoint") != std::string::npos,
             resumed.out + resumed.err);
  BOOST_TEST((resumed.out + resumed.err).find("Invalid state file") == std::string::npos,
             resumed.out + resumed.err);
}
