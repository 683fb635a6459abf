#define BOOST_TEST_MODULE ai_sdlc_commands
// ai-sdlc's board commands that sdlc-actors takes as they are: `add -f`,
// `worktrees:add|remove`, and `migrate` — checked against the real ai-sdlc
// migrating a copy of the same old-layout board.
#include "runtime/story/story.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

struct project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", (d.path / "home").string()}};
  project() {
    stdfs::create_directories(d.path / "home");
    test::make_git_repo(repo);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
};

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::string old_story(const std::string& id, const std::string& title,
                      const std::string& stale_status) {
  return "---\nid: " + id + "\ntitle: " + title +
         "\nslug: old-slug\npriority: 50\nstatus: " + stale_status +
         "\ntype: feature\ncreated: '2026-01-01'\nlabels: []\nresearch_complete: false\n"
         "plan_complete: false\nimplementation_complete: false\nreviews_complete: false\n---\n# " +
         title + "\n\nBody of " + id + ".\n";
}

// An ai-sdlc 0.2 board: stories as NN-slug.md files in kanban folders, their
// frontmatter status stale (the folder is the truth), plus a note that is no story.
void make_old_board(const stdfs::path& repo) {
  auto sdlc = repo / ".ai-sdlc";
  test::write(sdlc / "backlog/01-first-story.md", old_story("S-0001", "First story", "ready"));
  test::write(sdlc / "in-progress/02-second.md", old_story("S-0002", "Second", "backlog"));
  test::write(sdlc / "blocked/03-third.md", old_story("S-0003", "Third", "ready"));
  test::write(sdlc / "done/notes.txt", "not a story\n");
}

// A project the real ai-sdlc made (`init --quick`) with the stories it added.
struct ai_sdlc_board {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", (d.path / "home").string()}};
  std::string ai = test::ai_sdlc();
  explicit ai_sdlc_board(std::initializer_list<const char*> titles) {
    stdfs::create_directories(d.path / "home");
    test::make_git_repo(repo);
    BOOST_REQUIRE(test::run({ai, "init", "--quick"}, repo, env).exit_code == 0);
    for (const char* title : titles)
      BOOST_REQUIRE(test::run({ai, "add", title}, repo, env).exit_code == 0);
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(add_file_takes_title_and_body_from_the_file) {
  project p;
  test::write(p.repo / "req.md", "---\ntitle: Export as CSV\n---\n# Export\n\nAs a user...\n");
  auto r = p.sdlc({"add", "-f", "req.md", "--json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto id = nlohmann::json::parse(r.out)["id"].get<std::string>();
  auto s = story::load(p.repo / ".ai-sdlc/stories" / id / "story.md");
  BOOST_TEST(s.title() == "Export as CSV");
  BOOST_TEST(s.body() == "# Export\n\nAs a user...\n");
  BOOST_TEST(s.str("status") == "backlog");
  test::write(p.repo / "notes.json", "{}");
  auto bad = p.sdlc({"add", "--file", "notes.json"});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(has(bad.err, "only .md, .markdown and .txt"), bad.err);
  auto both = p.sdlc({"add", "Title", "-f", "req.md"});
  BOOST_TEST(both.exit_code == 2);
  BOOST_TEST(has(both.err, "not both"), both.err);
  auto neither = p.sdlc({"add"});
  BOOST_TEST(neither.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(worktrees_add_and_remove_by_ai_sdlc_names) {
  project p;
  BOOST_REQUIRE(p.sdlc({"add", "Wt story"}).exit_code == 0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "board"});
  auto add = p.sdlc({"worktrees:add", "S-0001"});
  BOOST_TEST(add.exit_code == 0, add.err);
  auto list = p.sdlc({"worktrees", "--json"});
  BOOST_TEST(has(list.out, "S-0001"), list.out);
  auto rm = p.sdlc({"worktrees:remove", "S-0001", "--force"});
  BOOST_TEST(rm.exit_code == 0, rm.err);
  BOOST_TEST(!has(p.sdlc({"worktrees", "--json"}).out, "S-0001"));
  BOOST_TEST(has(test::git(p.repo, {"branch", "--list"}), "S-0001")); // the branch stays
}

BOOST_AUTO_TEST_CASE(migrate_does_what_ai_sdlc_migrate_does) {
  project ours;
  make_old_board(ours.repo);
  test::git(ours.repo, {"add", "-A"});
  test::git(ours.repo, {"commit", "-q", "-m", "old board"});
  const auto before = test::snapshot(ours.repo / ".ai-sdlc");

  auto dry = ours.sdlc({"migrate", "--dry-run"});
  BOOST_TEST(dry.exit_code == 0, dry.err);
  BOOST_TEST(has(dry.out, "would move .ai-sdlc/backlog/01-first-story.md"), dry.out);
  BOOST_TEST(test::snapshot(ours.repo / ".ai-sdlc") == before); // nothing moved

  auto r = ours.sdlc({"migrate"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(has(r.err, "done/ keeps what is not a story: notes.txt"), r.err);
  BOOST_TEST(has(r.out, "the board as it was: .ai-sdlc-backup-"), r.out);

  // The same board migrated by ai-sdlc itself.
  test::temp_dir theirs_dir;
  auto theirs = theirs_dir.path / "repo";
  test::make_git_repo(theirs);
  make_old_board(theirs);
  test::git(theirs, {"add", "-A"});
  test::git(theirs, {"commit", "-q", "-m", "old board"});
  auto ai = test::run({test::ai_sdlc(), "migrate", "--no-backup"}, theirs, ours.env);
  BOOST_REQUIRE_MESSAGE(ai.exit_code == 0, ai.out << ai.err);

  for (const auto& [id, status] : std::map<std::string, std::string>{
           {"S-0001", "backlog"}, {"S-0002", "in-progress"}, {"S-0003", "blocked"}}) {
    BOOST_TEST_CONTEXT(id) {
      auto mine = story::load(ours.repo / ".ai-sdlc/stories" / id / "story.md");
      auto ref = story::load(theirs / ".ai-sdlc/stories" / id / "story.md");
      BOOST_TEST(mine.str("status") == status);
      BOOST_TEST(mine.str("status") == ref.str("status"));
      BOOST_TEST(mine.priority() == ref.priority());
      BOOST_TEST(mine.slug() == ref.slug());
      BOOST_TEST(mine.body() == ref.body());
    }
  }
  for (const char* folder : {"backlog", "in-progress", "blocked"}) {
    BOOST_TEST(!stdfs::exists(ours.repo / ".ai-sdlc" / folder), folder);
    BOOST_TEST(stdfs::exists(theirs / ".ai-sdlc" / folder) ==
               stdfs::exists(ours.repo / ".ai-sdlc" / folder));
  }
  BOOST_TEST(stdfs::exists(ours.repo / ".ai-sdlc/done/notes.txt"));
  BOOST_TEST(stdfs::exists(ours.repo / ".ai-sdlc/.migrated"));
  // ai-sdlc reads the board we migrated; a second migrate is a no-op, as there.
  auto st = test::run({test::ai_sdlc(), "status"}, ours.repo, ours.env);
  BOOST_TEST(st.exit_code == 0, st.out << st.err);
  BOOST_TEST(has(st.out, "S-0001"), st.out);
  BOOST_TEST(has(st.out, "S-0002"), st.out);
  auto again = ours.sdlc({"migrate"});
  BOOST_TEST(again.exit_code == 0);
  BOOST_TEST(has(again.out, "already migrated"), again.out);
}

BOOST_AUTO_TEST_CASE(migrate_refuses_duplicates_and_a_dirty_checkout_moving_nothing) {
  project p;
  make_old_board(p.repo);
  test::write(p.repo / ".ai-sdlc/ready/04-copy.md", old_story("S-0001", "Copy", "ready"));
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "old board"});
  const auto before = test::snapshot(p.repo / ".ai-sdlc");
  auto dup = p.sdlc({"migrate"});
  BOOST_TEST(dup.exit_code == 2);
  BOOST_TEST(has(dup.err, "duplicate story id S-0001"), dup.err);
  BOOST_TEST(test::snapshot(p.repo / ".ai-sdlc") == before);
  stdfs::remove(p.repo / ".ai-sdlc/ready/04-copy.md"); // now uncommitted
  auto dirty = p.sdlc({"migrate"});
  BOOST_TEST(dirty.exit_code == 2);
  BOOST_TEST(has(dirty.err, "uncommitted changes"), dirty.err);
  BOOST_TEST(p.sdlc({"migrate", "--force", "--no-backup"}).exit_code == 0);
  BOOST_TEST(stdfs::exists(p.repo / ".ai-sdlc/stories/S-0001/story.md"));
}

// logging.maxFiles / maxFileSizeMb: an agent that writes 3 MB makes the story
// log go on in new files past 1 MB, and only the newest 2 stay.
BOOST_AUTO_TEST_CASE(story_logs_rotate_by_size_and_count) {
  project p;
  auto agent = p.d.path / "agent.sh";
  test::write(agent, "#!/bin/sh\n"
                     "case \"$SDLC_ACTION\" in\n"
                     "  research) yes 'a line of research output, forty chars.' | head -n 75000;;\n"
                     "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
                     "  *) echo \"notes for $SDLC_ACTION\";;\n"
                     "esac\n");
  stdfs::permissions(agent, stdfs::perms::owner_all);
  for (const auto& [k, v] : std::map<std::string, std::string>{{"agent.command", agent.string()},
                                                               {"logging.maxFiles", "2"},
                                                               {"logging.maxFileSizeMb", "1"}})
    BOOST_REQUIRE(p.sdlc({"config", k, v}).exit_code == 0);
  BOOST_REQUIRE(p.sdlc({"add", "Talkative", "--status", "ready"}).exit_code == 0);
  test::git(p.repo, {"add", "-A"});
  test::git(p.repo, {"commit", "-q", "-m", "board"});
  auto r = p.sdlc({"run", "--auto", "--story", "S-0001"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  std::vector<stdfs::path> logs;
  for (const auto& e : stdfs::directory_iterator(p.repo / ".ai-sdlc/stories/S-0001/logs"))
    if (e.path().extension() == ".log") logs.push_back(e.path());
  BOOST_TEST(logs.size() == 2u);
  std::sort(logs.begin(), logs.end());
  for (const auto& l : logs)
    BOOST_TEST(stdfs::file_size(l) <= (1u << 20) + 4096, l);
  auto newest = test::read(logs.back());
  BOOST_TEST(has(newest, "run ends for this story: done"), newest.substr(0, 2000));
  auto tail = p.sdlc({"logs", "S-0001", "-n", "1"});
  BOOST_TEST(tail.exit_code == 0);
  BOOST_TEST(has(tail.out, "run ends for this story: done"), tail.out);
}

// The round trip: a board ai-sdlc made, run by sdlc-actors (one story in the
// main checkout, two at once in worktrees), read back by ai-sdlc: its
// `status` and `details` show what ours show.
BOOST_AUTO_TEST_CASE(ai_sdlc_reads_the_statuses_an_sdlc_actors_run_wrote) {
  ai_sdlc_board b({"One", "Two", "Three"});
  const auto& d = b.d;
  const auto& repo = b.repo;
  const auto& env = b.env;
  const auto& ai = b.ai;
  auto agent = d.path / "agent.sh";
  test::write(agent, "#!/bin/sh\n"
                     "case \"$SDLC_ACTION\" in\n"
                     "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
                     "  *) echo \"notes for $SDLC_ACTION\";;\n"
                     "esac\n");
  stdfs::permissions(agent, stdfs::perms::owner_all);
  BOOST_REQUIRE(test::sdlc(repo, {"config", "agent.command", agent.string()}, env).exit_code == 0);
  // ai-sdlc's init sets npm's build and test commands; this repository has none.
  for (const char* key : {"buildCommand", "testCommand"})
    BOOST_REQUIRE(test::sdlc(repo, {"config", key, "true"}, env).exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  auto ids = nlohmann::json::parse(test::sdlc(repo, {"status", "--json"}, env).out)["stories"];
  BOOST_REQUIRE(ids.size() == 3u);
  const std::string first = ids[0]["id"];
  auto one = test::sdlc(repo, {"run", "--auto", "--story", first}, env);
  BOOST_REQUIRE_MESSAGE(one.exit_code == 0, one.out << one.err);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "first done"});
  auto two = test::sdlc(repo, {"run", "--auto", "--concurrent", "2"}, env);
  BOOST_REQUIRE_MESSAGE(two.exit_code == 0, two.out << two.err);

  auto theirs = test::run({ai, "status"}, repo, env);
  BOOST_TEST(theirs.exit_code == 0, theirs.out << theirs.err);
  BOOST_TEST(has(theirs.out, "DONE (3)"), theirs.out);
  for (const auto& s : ids) {
    const std::string id = s["id"];
    auto details = test::run({ai, "details", id}, repo, env);
    BOOST_TEST(details.exit_code == 0, details.out << details.err);
    BOOST_TEST(has(details.out, "done"), id << ": " << details.out);
    auto ours = nlohmann::json::parse(test::sdlc(repo, {"details", id, "--json"}, env).out);
    BOOST_TEST(ours["status"] == "done", id);
  }
}

// ai-sdlc's `refine` writes `estimated_effort` from its agent's answer; the
// scheduler weighs a story by it. Here the real ai-sdlc refines two stories
// against the stand-in API, and our plan weighs them by what it wrote.
BOOST_AUTO_TEST_CASE(the_effort_ai_sdlc_refine_writes_weighs_our_plan) {
  ai_sdlc_board b({"Rename a flag", "Rewrite the cache"});
  const auto& d = b.d;
  const auto& repo = b.repo;
  const auto& env = b.env;
  const auto& ai = b.ai;
  auto stories = nlohmann::json::parse(test::sdlc(repo, {"status", "--json"}, env).out)["stories"];
  BOOST_REQUIRE(stories.size() == 2u);
  const std::string small = stories[0]["id"], large = stories[1]["id"];
  // ai-sdlc reads the effort line of the answer in any case and writes it lowercase.
  test::stub_api api(
      "stories:\n"
      "  " +
          small +
          ":\n    refine:\n      text: \"## Summary\\nOne flag.\\n\\neffort: small\\n\"\n"
          "  " +
          large + ":\n    refine:\n      text: \"## Summary\\nThe cache.\\n\\nEffort: Large\\n\"\n",
      d.path);
  for (const auto& id : {small, large}) {
    auto to_api = env;
    to_api["ANTHROPIC_BASE_URL"] = api.url() + "/s/" + id + "/refine"; // the stub's story prefix
    to_api["ANTHROPIC_API_KEY"] = "sk-test";
    auto refine = test::run({ai, "run", "--story", id, "--step", "refine"}, repo, to_api);
    BOOST_REQUIRE_MESSAGE(refine.exit_code == 0, id << ": " << refine.out << refine.err);
  }
  const auto file_of = [&](const std::string& id) {
    return test::read(repo / ".ai-sdlc/stories" / id / "story.md");
  };
  BOOST_TEST(has(file_of(small), "estimated_effort: small\n"), file_of(small));
  BOOST_TEST(has(file_of(large), "estimated_effort: large\n"), file_of(large));

  auto details = nlohmann::json::parse(test::sdlc(repo, {"details", large, "--json"}, env).out);
  BOOST_TEST(details["estimated_effort"] == "large");
  BOOST_TEST(details["status"] == "ready"); // refine's own move, which we read as it wrote it
  auto plan = test::sdlc(repo, {"run", "--dry-run", "--concurrent", "2"}, env);
  BOOST_REQUIRE_MESSAGE(plan.exit_code == 0, plan.out << plan.err);
  BOOST_TEST(!has(plan.out + plan.err, "warning:"), plan.out << plan.err);
  BOOST_TEST(has(plan.out, "× 0.5 for a small estimated_effort, × 1.5 for a large one"), plan.out);
  // 4 actions of 60 s each, scaled: the small story ends at 2:00, the large at 6:00.
  const auto row_of = [&](const std::string& id) {
    auto at = plan.out.find("  " + id + " ");
    return at == std::string::npos ? std::string()
                                   : plan.out.substr(at, plan.out.find('\n', at) - at);
  };
  BOOST_TEST(has(row_of(small), " 2:00 "), row_of(small));
  BOOST_TEST(has(row_of(large), " 6:00 "), row_of(large));
  BOOST_TEST(has(plan.out, "expected makespan 6:00"), plan.out);
}
