#define BOOST_TEST_MODULE hostile_input
// Issue 13: what a hostile but realistic user tried, one case each — every
// one lost data, hung, flooded or misled before. docs/reliability.md has
// the table (case, before, after). The gateway's cases are in
// gateway_abuse_test.cpp, the node's in remote/remote_nodes_test.cpp.
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <regex>
#include <sys/stat.h>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

// A command agent: `before` runs first, then it answers like an agent
// (a review approves).
std::string agent(const std::string& before = "") {
  return "#!/bin/sh\n" + before +
         "case \"$SDLC_ACTION\" in\n"
         "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
         "  *) echo \"notes for $SDLC_ACTION\";;\n"
         "esac\n";
}

// A git project with a board and a command agent (`script`).
struct project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}};
  explicit project(const std::string& script = agent()) {
    test::make_command_agent_board(repo, d.path / "agent.sh", script, env);
  }
  test::run_result sdlc(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& extra = {}) const {
    auto e = env;
    for (const auto& [k, v] : extra)
      e[k] = v;
    return test::sdlc(repo, args, e);
  }
  std::string add(const std::string& title, const std::string& status = "ready") {
    auto r = sdlc({"add", title, "--status", status, "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return r.out.substr(r.out.find("S-"), 6);
  }
  stdfs::path story_file(const std::string& id) const {
    return repo / ".ai-sdlc/stories" / id / "story.md";
  }
  void set_status(const std::string& id, const std::string& status) {
    auto f = story_file(id);
    test::write(
        f, std::regex_replace(test::read(f), std::regex("status: [a-z-]+"), "status: " + status));
  }
  void commit() {
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
};

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

} // namespace

// 1. cleanup deleted every folder under worktree.basePath that git did not
// list: a user's notes, another clone's live worktree, the repository itself.
BOOST_AUTO_TEST_CASE(cleanup_deletes_only_what_it_made) {
  project p;
  auto shared = p.d.path / "shared";
  stdfs::create_directories(shared / "my-notes");
  test::write(shared / "my-notes/plan.txt", "mine\n");
  // Another project's live worktree in the same folder.
  auto other = p.d.path / "other";
  test::make_git_repo(other);
  test::git(other, {"worktree", "add", "-q", (shared / "their-work").string(), "-b", "theirs"});
  test::write(shared / "their-work/wip.txt", "unsaved\n");
  BOOST_REQUIRE(p.sdlc({"config", "worktree.basePath", shared.string()}).exit_code == 0);
  auto done = p.add("Done story");
  auto dirty = p.add("Done with untracked work");
  p.commit();
  // This repository's own worktree, added by hand: not ours either.
  test::git(p.repo, {"worktree", "add", "-q", (shared / "by-hand").string(), "-b", "by-hand"});
  for (const auto& id : {done, dirty})
    BOOST_REQUIRE(p.sdlc({"worktrees", "add", id}).exit_code == 0);
  auto dirty_wt = shared / (dirty + "-done-with-untracked-work");
  test::write(dirty_wt / "notes.txt", "not committed\n");
  p.set_status(done, "done");
  p.set_status(dirty, "done");

  auto dry = p.sdlc({"cleanup", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.err);
  BOOST_TEST(has(dry.out, "would remove worktree:"), dry.out);
  BOOST_TEST(!has(dry.out, "would removed"), dry.out);

  auto r = p.sdlc({"cleanup"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(!stdfs::exists(shared / (done + "-done-story")), r.out); // ours, clean: removed
  BOOST_TEST(test::read(dirty_wt / "notes.txt") == "not committed\n", r.out);
  BOOST_TEST(has(r.out, "kept worktree"), r.out);
  BOOST_TEST(test::read(shared / "my-notes/plan.txt") == "mine\n");
  BOOST_TEST(test::read(shared / "their-work/wip.txt") == "unsaved\n");
  BOOST_TEST(stdfs::exists(shared / "by-hand/README.md"));
  BOOST_TEST((!has(r.out, "my-notes") && !has(r.out, "their-work") && !has(r.out, "by-hand")),
             r.out);
  // --force takes our worktree with its untracked file; still nothing else.
  auto forced = p.sdlc({"cleanup", "--force"});
  BOOST_TEST(forced.exit_code == 0, forced.err);
  BOOST_TEST(!stdfs::exists(dirty_wt), forced.out);
  BOOST_TEST(test::read(shared / "their-work/wip.txt") == "unsaved\n");
  BOOST_TEST(stdfs::exists(shared / "by-hand/README.md"));
  // The branches stay: no commit became unreachable.
  auto branches = test::git(p.repo, {"branch", "--format=%(refname:short)"});
  BOOST_TEST(has(branches, "ai-sdlc/" + done));
  BOOST_TEST(has(branches, "ai-sdlc/" + dirty));

  // A basePath over the project itself is refused when set and when loaded.
  for (const auto& bad : {".", "..", ".git", ".git/worktrees"}) {
    auto set = p.sdlc({"config", "worktree.basePath", bad});
    BOOST_TEST(set.exit_code == 2, bad);
    BOOST_TEST(has(set.err, "worktree.basePath"), set.err);
  }
  test::write(p.repo / ".ai-sdlc.json",
              "{\"agent\": {\"command\": \"true\"}, \"worktree\": {\"basePath\": \".\"}}\n");
  auto status = p.sdlc({"cleanup"});
  BOOST_TEST(status.exit_code == 2);
  BOOST_TEST((has(status.err, ".ai-sdlc.json") && has(status.err, "is the project itself")),
             status.err);
  BOOST_TEST(stdfs::exists(p.repo / ".git/HEAD"));
}

// 2. --force-unlock beside a live run started a second orchestrator, and
// the lock file vanished while the first still ran.
BOOST_AUTO_TEST_CASE(force_unlock_refuses_while_the_holder_lives) {
  project p(agent("sleep 20\n"));
  p.add("Slow");
  auto second = p.add("Other");
  p.commit();
  auto out = p.d.path / "first.out";
  test::child_guard first(
      test::spawn_background({SDLC_BIN, "run", "--auto", "--story", "S-0001"}, p.repo, p.env, out));
  auto lock = p.repo / ".ai-sdlc/run.lock";
  for (int i = 0; i < 200 && !stdfs::exists(lock); ++i)
    std::this_thread::sleep_for(50ms);
  BOOST_REQUIRE(stdfs::exists(lock));
  auto r = p.sdlc({"run", "--auto", "--story", second, "--force-unlock"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST((has(r.err, "--force-unlock refused") && has(r.err, std::to_string(first.pid()))),
             r.err);
  BOOST_TEST(stdfs::exists(lock));              // still the first run's
  BOOST_TEST(!first.wait_for(0ms).has_value()); // and it still runs
  ::kill(first.pid(), SIGTERM);
  ::kill(first.pid(), SIGTERM);
  BOOST_TEST(first.wait_for(60s).has_value());
  BOOST_TEST(!stdfs::exists(lock));
}

// 3. Nested aliases in a ~500-byte file made status, add and run spin forever.
BOOST_AUTO_TEST_CASE(nested_aliases_are_refused_not_expanded) {
  project p;
  p.add("Fine");
  auto aliases = [](const std::string& indent) {
    std::string out = indent + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
      out += indent + "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
      for (int k = 0; k < 10; ++k)
        out += (k ? ", *a" : "*a") + std::to_string(i - 1);
      out += "]\n";
    }
    return out;
  };
  const auto bomb = aliases("");
  BOOST_REQUIRE(bomb.size() < 600);
  test::write(p.story_file("S-0002"),
              "---\nid: S-0002\ntitle: Bomb\nstatus: ready\n" + bomb + "---\nbody\n");
  for (auto args : std::vector<std::vector<std::string>>{
           {"status"}, {"details", "S-0002"}, {"run", "--dry-run", "--auto"}}) {
    auto r = p.sdlc(args);
    BOOST_TEST(r.exit_code == 2, args[0] << ": " << r.err);
    BOOST_TEST((has(r.err, "S-0002/story.md") && has(r.err, "aliases")), r.err);
  }
  BOOST_TEST(p.sdlc({"add", "Still works"}).exit_code == 0);
  stdfs::remove_all(p.story_file("S-0002").parent_path());
  // The same under agent.env in a YAML config.
  stdfs::remove(p.repo / ".ai-sdlc.json");
  test::write(p.repo / ".ai-sdlc.yaml", "agent:\n  command: 'true'\n  env:\n" + aliases("    "));
  auto r = p.sdlc({"status"});
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST((has(r.err, ".ai-sdlc.yaml") && has(r.err, "aliases")), r.err);
}

// 6. Values past any sane range passed, then failed every action at once.
BOOST_AUTO_TEST_CASE(config_ranges_are_checked_at_load) {
  project p;
  struct bad_case {
    std::string json, key, range;
  };
  for (const auto& c : std::vector<bad_case>{
           {R"({"timeouts": {"agentTimeout": 10000000000000}})", "timeouts.agentTimeout",
            "from 0 to 604800000"},
           {R"({"timeouts": {"agentTimeout": 9223372036854775807}})", "timeouts.agentTimeout",
            "from 0 to 604800000"},
           {R"({"timeouts": {"agentTimeout": 99999999999999999999999}})", "timeouts.agentTimeout",
            "from 0 to 604800000"},
           {R"({"limits": {"maxConcurrent": 0}})", "limits.maxConcurrent", "from 1 to 256"},
           {R"({"reviewConfig": {"maxRetries": -1}})", "reviewConfig.maxRetries", "from 0 to 100"},
       }) {
    test::write(p.repo / ".ai-sdlc.json",
                "{\n\"agent\": {\"command\": \"true\"},\n" + c.json.substr(1) + "\n");
    auto r = p.sdlc({"status"});
    BOOST_TEST(r.exit_code == 2, c.json);
    BOOST_TEST(
        (has(r.err, ".ai-sdlc.json:3") && has(r.err, "'" + c.key + "'") && has(r.err, c.range)),
        r.err);
  }
  test::write(p.repo / ".ai-sdlc.json", "{\"agent\": {\"command\": \"true\"}}\n");
  auto r = p.sdlc({"config", "limits.maxConcurrent", "0"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(has(r.err, "from 1 to 256"), r.err);
  // A string setting keeps exactly what was typed.
  BOOST_TEST(p.sdlc({"config", "testCommand", "! grep -rq x src"}).exit_code == 0);
  BOOST_TEST(has(test::read(p.repo / ".ai-sdlc.json"), R"("testCommand": "! grep -rq x src")"));
  auto shown = p.sdlc({"config", "testCommand", "--json"});
  BOOST_TEST(shown.out == "\"! grep -rq x src\"\n", shown.out);
}

// 7. Trailing garbage and YAML inside .ai-sdlc.json were accepted; with two
// config files, .json won silently.
BOOST_AUTO_TEST_CASE(a_json_config_must_be_json) {
  project p;
  for (const auto& text : {std::string("{\"theme\":\"dark\"} garbage\n"),
                           std::string("theme: dark\nagent:\n  command: 'true'\n")}) {
    test::write(p.repo / ".ai-sdlc.json", text);
    auto r = p.sdlc({"status"});
    BOOST_TEST(r.exit_code == 2, text);
    BOOST_TEST((has(r.err, ".ai-sdlc.json:1") && has(r.err, "JSON")), r.err);
  }
  test::write(p.repo / ".ai-sdlc.json", "{\"theme\": \"dark\"}\n");
  test::write(p.repo / ".ai-sdlc.yaml", "theme: light\n");
  auto r = p.sdlc({"config", "theme"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "dark\n");
  BOOST_TEST((has(r.err, "warning:") && has(r.err, ".ai-sdlc.yaml") && has(r.err, "using")), r.err);
}

// 8. run --auto and --dry-run --auto left out an unreadable story, exit 0.
BOOST_AUTO_TEST_CASE(a_run_names_the_stories_it_cannot_read) {
  project p;
  auto good = p.add("Readable");
  p.commit();
  test::write(p.story_file("S-0002"), "---\nid: S-0002\ntitle: [broken\n---\n");
  auto dry = p.sdlc({"run", "--dry-run", "--auto"});
  BOOST_TEST(dry.exit_code == 2, dry.out << dry.err);
  BOOST_TEST((has(dry.err, "S-0002/story.md") && has(dry.err, "left out")), dry.err);
  auto r = p.sdlc({"run", "--auto", "--force"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(has(r.err, "S-0002/story.md"), r.err);
  BOOST_TEST(has(test::read(p.story_file(good)), "status: done")); // the rest ran
}

// 9. An agent that printed $ANTHROPIC_API_KEY got it into logs, prompts
// and the tracked story.md.
BOOST_AUTO_TEST_CASE(secrets_never_reach_a_file_or_the_terminal) {
  project p(agent(
      "echo \"key=$ANTHROPIC_API_KEY token=$MY_SERVICE_TOKEN hdr=$ANTHROPIC_CUSTOM_HEADERS\"\n"));
  BOOST_REQUIRE(p.sdlc({"config", "agent.env", "{MY_SERVICE_TOKEN: tok-abcdef123456}"}).exit_code ==
                0);
  p.add("Leaky");
  p.commit();
  const std::string api_key = "sk-ant-api03-hostile-test-secret";
  auto r =
      p.sdlc({"run", "--auto", "--story", "S-0001", "--force"}, {{"ANTHROPIC_API_KEY", api_key}});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  std::string everything = r.out + r.err;
  for (const auto& [path, text] : test::snapshot(p.repo / ".ai-sdlc"))
    everything += path + "\n" + text;
  BOOST_TEST(!has(everything, api_key));
  BOOST_TEST(!has(everything, "tok-abcdef123456"));
  BOOST_TEST(!std::regex_search(everything, std::regex("x-sdlc-token: [0-9a-f]{16}")));
  BOOST_TEST(has(everything, "key=[REDACTED] token=[REDACTED]"));
}

// 10. A title with ESC/CR was printed raw by status, details and the run.
BOOST_AUTO_TEST_CASE(control_characters_never_reach_the_terminal) {
  project p(agent("printf 'agent says \\033[2J\\r over\\n'\n"));
  auto added = p.sdlc({"add", "t\r\x1b[31mred"});
  BOOST_TEST(added.exit_code == 2);
  BOOST_TEST((has(added.err, "control characters") && has(added.err, "\\x1b[31m")), added.err);
  test::write(p.story_file("S-0001"), "---\nid: S-0001\ntitle: |\n  evil\x1b]0;pwned\x07\r\n"
                                      "  more\nstatus: ready\n---\nbody \x1b[31m red\n");
  p.commit();
  auto check = [&](const std::vector<std::string>& args) {
    auto r = p.sdlc(args);
    BOOST_TEST((!has(r.out, "\x1b") && !has(r.out, "\r") && !has(r.out, "\x07")), args[0]);
    BOOST_TEST(!has(r.err, "\x1b"), args[0]);
    return r;
  };
  BOOST_TEST(has(check({"status"}).out, "evil\\x1b]0;pwned\\x07"));
  BOOST_TEST(has(check({"details", "S-0001"}).out, "body \\x1b[31m red"));
  auto run = check({"run", "--auto", "--story", "S-0001", "--force"});
  BOOST_TEST(run.exit_code == 0, run.out << run.err);
}

// 11. Links: a story folder linked outside the board was written through, a
// linked story.md became a regular file, links to a FIFO, a device or
// nothing hid the story silently.
BOOST_AUTO_TEST_CASE(symlinks_are_reported_and_never_written_through) {
  project p;
  p.add("Fine");
  auto outside = p.d.path / "outside/S-0002";
  test::write(outside / "story.md", test::story_text("S-0002", "blocked"));
  stdfs::create_directory_symlink(outside, p.repo / ".ai-sdlc/stories/S-0002");
  auto before = test::read(outside / "story.md");
  auto unblock = p.sdlc({"unblock", "S-0002"});
  BOOST_TEST(unblock.exit_code == 2);
  BOOST_TEST(has(unblock.err, "outside the board"), unblock.err);
  BOOST_TEST(test::read(outside / "story.md") == before);
  stdfs::remove(p.repo / ".ai-sdlc/stories/S-0002");

  auto real = p.repo / ".ai-sdlc/real-S-0003.md";
  test::write(real, test::story_text("S-0003", "blocked"));
  stdfs::create_directories(p.story_file("S-0003").parent_path());
  stdfs::create_symlink("../../real-S-0003.md", p.story_file("S-0003"));
  auto linked = p.sdlc({"unblock", "S-0003"});
  BOOST_TEST(linked.exit_code == 2);
  BOOST_TEST(has(linked.err, "S-0003/story.md is a symbolic link"), linked.err);
  BOOST_TEST(stdfs::is_symlink(p.story_file("S-0003")));

  for (const auto& id : {"S-0004", "S-0005", "S-0006"})
    stdfs::create_directories(p.story_file(id).parent_path());
  BOOST_REQUIRE(::mkfifo(p.story_file("S-0004").c_str(), 0644) == 0);
  stdfs::create_symlink("/dev/zero", p.story_file("S-0005"));
  stdfs::create_symlink("/nonexistent/story.md", p.story_file("S-0006"));
  auto status = p.sdlc({"status"}); // a FIFO must not block it
  BOOST_TEST(status.exit_code == 2);
  BOOST_TEST(has(status.err, "S-0004/story.md is a FIFO"), status.err);
  BOOST_TEST(has(status.err, "S-0005/story.md is a device"), status.err);
  BOOST_TEST(has(status.err, "S-0006/story.md is a link to nothing"), status.err);
}

// 12. -C a bare repository wrote .ai-sdlc/ into the git folder; a repository
// without a commit gave libgit2's "reference 'refs/heads/main' not found".
BOOST_AUTO_TEST_CASE(a_bare_repository_and_one_without_a_commit_say_what_to_do) {
  test::temp_dir d;
  auto bare = d.path / "bare.git";
  test::git(d.path, {"init", "-q", "--bare", bare.string()});
  auto before = test::snapshot(bare);
  auto r = test::run({SDLC_BIN, "-C", bare.string(), "init"}, d.path);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST((has(r.err, "bare") && has(r.err, "git clone")), r.err);
  BOOST_TEST((test::snapshot(bare) == before));
  BOOST_TEST(!stdfs::exists(bare / ".ai-sdlc"));

  auto fresh = d.path / "fresh";
  stdfs::create_directories(fresh);
  test::git(fresh, {"init", "-q", "-b", "main"});
  BOOST_REQUIRE(test::sdlc(fresh, {"init"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(fresh, {"add", "First", "--status", "ready"}).exit_code == 0);
  BOOST_REQUIRE(test::sdlc(fresh, {"config", "agent.command", "true"}).exit_code == 0);
  for (auto args :
       std::vector<std::vector<std::string>>{{"run", "--auto", "--story", "S-0001", "--force"},
                                             {"run", "--concurrent", "2", "--force"},
                                             {"worktrees", "add", "S-0001"}}) {
    auto e = test::sdlc(fresh, args);
    BOOST_TEST(e.exit_code == 2, args[0]);
    BOOST_TEST((has(e.err, "no commit yet") && has(e.err, "git commit")), e.err);
    BOOST_TEST(!has(e.err, "refs/heads"), e.err);
  }
}
