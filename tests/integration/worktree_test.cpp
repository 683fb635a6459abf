#define BOOST_TEST_MODULE worktree
// The worktree service on real repositories (libgit2 underneath, the git CLI
// to check what it did).
#include "runtime/git/checkout_filters.hpp"
#include "runtime/git/remote_sync.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/git/worktree_creation.hpp"
#include "runtime/git/worktree_ownership.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/remote/node_workspace.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;
using git::worktree_service;

struct repo_fixture {
  test::temp_dir d;
  std::filesystem::path repo;
  repo_fixture() : repo(d.path / "repo") { test::make_git_repo(repo); }
  worktree_service service() const { return worktree_service(repo, ".ai-sdlc/worktrees"); }
};

BOOST_FIXTURE_TEST_CASE(creates_then_reuses, repo_fixture) {
  auto wts = service();
  auto wt = wts.ensure("S-0001", "add-login");
  BOOST_TEST(wt.created);
  BOOST_TEST(wt.branch == "ai-sdlc/S-0001-add-login");
  BOOST_TEST(wt.path == repo / ".ai-sdlc/worktrees/S-0001-add-login");
  BOOST_TEST(test::git(wt.path, {"rev-parse", "--abbrev-ref", "HEAD"}) ==
             "ai-sdlc/S-0001-add-login\n");
  BOOST_TEST(test::git(wt.path, {"rev-parse", "HEAD"}) == test::git(repo, {"rev-parse", "main"}));
  BOOST_TEST(std::filesystem::exists(wt.path / "README.md"));
  // The worktrees folder does not make the main checkout dirty.
  BOOST_TEST(test::git(repo, {"status", "--porcelain"}).empty());
  // Worktrees are placed apart from each other, as story folders are (ext4).
  if (test::on_ext4(repo))
    BOOST_TEST(sdlc::fs::spreads_subfolders(wt.path.parent_path()).value_or(false));
  auto again = wts.ensure("S-0001", "add-login");
  BOOST_TEST(!again.created);
  BOOST_TEST(std::filesystem::equivalent(again.path, wt.path));
  auto list = wts.list();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].branch == "ai-sdlc/S-0001-add-login");
  BOOST_TEST(list[0].valid);
}

BOOST_FIXTURE_TEST_CASE(commits_the_agents_changes_on_the_story_branch, repo_fixture) {
  auto wt = service().ensure("S-0002", "x");
  test::write(wt.path / "src/new.txt", "new\n");
  test::write(wt.path / "README.md", "# changed\n");
  auto commit = worktree_service::commit_all(wt.path, "S-0002: implement — X");
  BOOST_REQUIRE(commit.has_value());
  BOOST_TEST(test::git(repo, {"log", "-1", "--format=%s", "ai-sdlc/S-0002-x"}) ==
             "S-0002: implement — X\n");
  BOOST_TEST(test::git(repo, {"diff", "--name-only", "main", "ai-sdlc/S-0002-x"}) ==
             "README.md\nsrc/new.txt\n");
  BOOST_TEST(test::git(wt.path, {"status", "--porcelain"}).empty());
  BOOST_TEST(!worktree_service::commit_all(wt.path, "nothing").has_value());
  std::filesystem::remove(wt.path / "src/new.txt");
  BOOST_TEST(worktree_service::commit_all(wt.path, "S-0002: remove").has_value());
  BOOST_TEST(test::git(repo, {"diff", "--name-only", "main", "ai-sdlc/S-0002-x"}) == "README.md\n");
  BOOST_TEST(test::git(repo, {"rev-parse", "--abbrev-ref", "HEAD"}) == "main\n"); // main untouched
}

// The commit is `git add -A` in one pass over the tree: what git would stage
// is staged (a file of the base deleted, a tracked file that .gitignore
// matches changed, a new file in a new folder) and an ignored new file is not.
BOOST_FIXTURE_TEST_CASE(commit_all_stages_what_git_add_all_would, repo_fixture) {
  test::write(repo / "build/keep.txt", "tracked\n");
  test::write(repo / ".gitignore", "build/\n");
  test::git(repo, {"add", "-A", "-f"});
  test::git(repo, {"commit", "-q", "-m", "tracked under an ignored folder"});
  auto wt = service().ensure("S-0004", "z");
  std::filesystem::remove(wt.path / "README.md");
  test::write(wt.path / "build/keep.txt", "changed\n");
  test::write(wt.path / "build/new.o", "ignored\n");
  test::write(wt.path / "deep/er/new.txt", "new\n");
  BOOST_REQUIRE(worktree_service::commit_all(wt.path, "S-0004: implement").has_value());
  BOOST_TEST(test::git(repo, {"diff", "--name-status", "main", "ai-sdlc/S-0004-z"}) ==
             "D\tREADME.md\nM\tbuild/keep.txt\nA\tdeep/er/new.txt\n");
  BOOST_TEST(test::git(wt.path, {"status", "--porcelain"}).empty());
}

// A SIGKILLed agent leaves edits and half-written temp files (Claude Code's
// Write makes "<file>.tmp.<pid>.<hex>" before its rename); all of them go, or
// the redone action would commit them.
BOOST_FIXTURE_TEST_CASE(discard_uncommitted_removes_edits_and_untracked_files, repo_fixture) {
  auto wt = service().ensure("S-0003", "y");
  test::write(wt.path / "README.md", "# half edited\n");
  test::write(wt.path / "docs/greet.md.tmp.9670.df49925734cf", "partial");
  test::write(wt.path / "src/new.txt", "new\n");
  worktree_service::discard_uncommitted(wt.path);
  BOOST_TEST(test::git(wt.path, {"status", "--porcelain", "--untracked-files=all"}).empty());
  BOOST_TEST(!std::filesystem::exists(wt.path / "docs/greet.md.tmp.9670.df49925734cf"));
  BOOST_TEST(!std::filesystem::exists(wt.path / "src/new.txt"));
  BOOST_TEST(test::git(wt.path, {"show", "HEAD:README.md"}) == test::read(wt.path / "README.md"));
}

BOOST_FIXTURE_TEST_CASE(dirty_files_ignore_the_board, repo_fixture) {
  auto wts = service();
  BOOST_TEST(wts.dirty_files(repo / ".ai-sdlc").empty());
  test::write(repo / ".ai-sdlc/stories/S-0001/story.md", "x");
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  test::write(repo / ".ai-sdlc/stories/S-0001/story.md", "changed");
  test::write(repo / "untracked.txt", "u");
  BOOST_TEST(wts.dirty_files(repo / ".ai-sdlc").empty());
  test::write(repo / "README.md", "edited");
  BOOST_TEST(wts.dirty_files(repo / ".ai-sdlc") == std::vector<std::string>{"README.md"});
}

// A copied checkout (`cp -a`, a container image) keeps an index whose stat
// data name other inodes: libgit2 then reads and hashes every file on every
// status until the index is written again. `git status` writes it; so does
// the run's clean check, except while a git command holds the index.
BOOST_FIXTURE_TEST_CASE(the_clean_check_refreshes_a_copied_checkouts_index, repo_fixture) {
  const auto copy = d.path / "copy";
  BOOST_REQUIRE(test::run({"/bin/cp", "-a", repo.string(), copy.string()}).exit_code == 0);
  auto indexed_inode = [&] {
    auto debug = test::git(copy, {"ls-files", "--debug", "README.md"});
    auto at = debug.find("ino: ");
    BOOST_REQUIRE(at != std::string::npos);
    return std::stoul(debug.substr(at + 5));
  };
  const auto inode = test::inode_of(copy / "README.md");
  BOOST_TEST(indexed_inode() != inode);
  worktree_service wts(copy, ".ai-sdlc/worktrees");
  test::write(copy / ".git/index.lock", "");
  BOOST_TEST(wts.dirty_files(copy / ".ai-sdlc").empty());
  BOOST_TEST(indexed_inode() != inode);
  BOOST_TEST(std::filesystem::exists(copy / ".git/index.lock")); // not ours to take or remove
  std::filesystem::remove(copy / ".git/index.lock");
  BOOST_TEST(wts.dirty_files(copy / ".ai-sdlc").empty());
  BOOST_TEST(indexed_inode() == inode);
  test::write(copy / "README.md", "edited");
  BOOST_TEST(wts.dirty_files(copy / ".ai-sdlc") == std::vector<std::string>{"README.md"});
}

BOOST_FIXTURE_TEST_CASE(remove_keeps_the_branch_and_refuses_uncommitted_work, repo_fixture) {
  auto wts = service();
  auto wt = wts.ensure("S-0003", "y");
  test::write(wt.path / "README.md", "uncommitted");
  BOOST_CHECK_THROW(wts.remove("S-0003", "y", false), sdlc::error);
  BOOST_TEST(std::filesystem::exists(wt.path));
  wts.remove("S-0003", "y", true);
  BOOST_TEST(!std::filesystem::exists(wt.path));
  BOOST_TEST(wts.list().empty());
  BOOST_TEST(test::git(repo, {"branch", "--list", "ai-sdlc/S-0003-y"}).find("ai-sdlc/S-0003-y") !=
             std::string::npos);
  // The branch is reused by the next ensure.
  auto back = wts.ensure("S-0003", "y");
  BOOST_TEST(back.created);
}

BOOST_FIXTURE_TEST_CASE(a_deleted_worktree_folder_is_recreated, repo_fixture) {
  auto wts = service();
  auto wt = wts.ensure("S-0004", "z");
  std::filesystem::remove_all(wt.path);
  BOOST_TEST(!wts.list().at(0).valid);
  auto again = wts.ensure("S-0004", "z");
  BOOST_TEST(again.created);
  BOOST_TEST(std::filesystem::exists(again.path / "README.md"));
}

// A kill inside git_worktree_add (the fault test met it at 210 ms) leaves
// git's metadata folder without its gitdir file: every later add of the name
// failed with "directory exists" until someone removed it by hand.
BOOST_FIXTURE_TEST_CASE(an_add_killed_before_its_metadata_was_whole_is_redone, repo_fixture) {
  const auto common = repo / ".git";
  const auto folder = repo / ".ai-sdlc/worktrees/S-0005-k";
  git::begin_worktree_add(common, "S-0005-k", folder);
  test::write(common / "worktrees/S-0005-k/commondir", "../..\n");
  std::filesystem::create_directories(folder);
  auto wt = service().ensure("S-0005", "k");
  BOOST_TEST(wt.created);
  BOOST_TEST(std::filesystem::exists(wt.path / "README.md"));
  BOOST_TEST(git::read_worktree_marker(wt.path).has_value());
  BOOST_TEST(service().list().at(0).valid);
  BOOST_TEST(!std::filesystem::exists(common / "sdlc-actors-adding"));
}

// Killed during the checkout: the worktree validates but files are missing and
// its marker was never written; it is made again rather than handed to an agent.
BOOST_FIXTURE_TEST_CASE(an_add_killed_during_its_checkout_is_redone, repo_fixture) {
  auto first = service().ensure("S-0006", "c");
  std::filesystem::remove(first.path / "README.md");
  std::filesystem::remove(first.path / git::worktree_marker_name);
  git::begin_worktree_add(repo / ".git", "S-0006-c", first.path);
  auto wt = service().ensure("S-0006", "c");
  BOOST_TEST(wt.created);
  BOOST_TEST(std::filesystem::exists(wt.path / "README.md"));
  BOOST_TEST(test::git(wt.path, {"status", "--porcelain"}).empty());
  BOOST_TEST(git::read_worktree_marker(wt.path).has_value());
}

// libgit2 writes the .git file in place: a kill between its open and its
// write (the fault test met it under ASan at 337 ms) leaves it empty or cut
// short. That folder is still ours, and the add is redone; a .git that links
// elsewhere is still refused.
BOOST_FIXTURE_TEST_CASE(an_add_killed_while_libgit2_wrote_the_git_file_is_redone, repo_fixture) {
  const auto common = repo / ".git";
  int n = 0;
  for (std::string torn : {std::string(), std::string("gitdir: "),
                           "gitdir: " + (common / "worktrees/S-0008-t").string()}) {
    BOOST_TEST_CONTEXT("a .git holding '" << torn << "'") {
      const auto name = "S-0008-t";
      const auto folder = repo / ".ai-sdlc/worktrees" / name;
      git::begin_worktree_add(common, name, folder);
      std::filesystem::create_directories(common / "worktrees" / name);
      test::write(folder / ".git", torn);
      auto wt = service().ensure("S-0008", "t");
      BOOST_TEST(wt.created);
      BOOST_TEST(std::filesystem::exists(wt.path / "README.md"));
      BOOST_TEST(service().list().at(0).valid);
      BOOST_TEST(!std::filesystem::exists(common / "sdlc-actors-adding"));
      service().remove("S-0008", "t", true);
      ++n;
    }
  }
  BOOST_TEST(n == 3);
  // Killed later, while it wrote the metadata's own link back (also in place).
  const auto name = "S-0008-t";
  const auto torn_folder = repo / ".ai-sdlc/worktrees" / name;
  git::begin_worktree_add(common, name, torn_folder);
  std::filesystem::create_directories(common / "worktrees" / name);
  test::write(torn_folder / ".git", "gitdir: " + (common / "worktrees" / name).string() + "\n");
  test::write(common / "worktrees" / name / "gitdir", torn_folder.string().substr(0, 12));
  BOOST_TEST(service().ensure("S-0008", "t").created);
  BOOST_TEST(service().list().at(0).valid);
  const auto folder = repo / ".ai-sdlc/worktrees/S-0009-o";
  git::begin_worktree_add(common, "S-0009-o", folder);
  test::write(folder / ".git", "gitdir: /elsewhere/.git/worktrees/S-0009-o\n");
  BOOST_CHECK_THROW(service().ensure("S-0009", "o"), sdlc::error);
  BOOST_TEST(std::filesystem::exists(folder / ".git"));
}

// The journal names a folder that holds someone's files and no .git link:
// nothing is deleted, and the error says what to move.
BOOST_FIXTURE_TEST_CASE(an_interrupted_add_never_deletes_a_folder_it_did_not_make, repo_fixture) {
  const auto folder = repo / ".ai-sdlc/worktrees/S-0007-n";
  git::begin_worktree_add(repo / ".git", "S-0007-n", folder);
  test::write(folder / "notes.txt", "mine\n");
  try {
    service().ensure("S-0007", "n");
    BOOST_FAIL("ensure should refuse");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find(folder.string()) != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("move it away") != std::string::npos);
  }
  BOOST_TEST(test::read(folder / "notes.txt") == "mine\n");
}

BOOST_AUTO_TEST_CASE(not_a_repository_is_a_clear_error) {
  test::temp_dir d;
  try {
    worktree_service(d.path, ".ai-sdlc/worktrees").ensure("S-0001", "a");
    BOOST_FAIL("expected an error");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find("not inside a git repository") != std::string::npos);
  }
}

BOOST_FIXTURE_TEST_CASE(a_dependent_branch_starts_with_its_dependencies_merged, repo_fixture) {
  auto wts = service();
  auto a = wts.ensure("S-0001", "a");
  test::write(a.path / "src/a.txt", "a\n");
  worktree_service::commit_all(a.path, "S-0001: a");
  auto b = wts.ensure("S-0002", "b");
  test::write(b.path / "src/b.txt", "b\n");
  worktree_service::commit_all(b.path, "S-0002: b");
  auto c = wts.ensure("S-0003", "c", {a.branch, b.branch});
  BOOST_TEST(std::filesystem::exists(c.path / "src/a.txt"));
  BOOST_TEST(std::filesystem::exists(c.path / "src/b.txt"));
  BOOST_TEST(test::git(repo, {"diff", "--name-only", "main", c.branch}) ==
             "src/a.txt\nsrc/b.txt\n");
  // The main checkout and the dependencies' worktrees were not touched.
  BOOST_TEST(test::git(repo, {"status", "--porcelain"}).empty());
  BOOST_TEST(!std::filesystem::exists(repo / "src/a.txt"));
  BOOST_TEST(!std::filesystem::exists(a.path / "src/b.txt"));
}

BOOST_FIXTURE_TEST_CASE(a_conflict_between_dependencies_names_the_files, repo_fixture) {
  auto wts = service();
  auto a = wts.ensure("S-0001", "a");
  test::write(a.path / "README.md", "from a\n");
  worktree_service::commit_all(a.path, "S-0001: a");
  auto b = wts.ensure("S-0002", "b");
  test::write(b.path / "README.md", "from b\n");
  worktree_service::commit_all(b.path, "S-0002: b");
  try {
    wts.ensure("S-0003", "c", {a.branch, b.branch});
    BOOST_FAIL("expected a merge conflict");
  } catch (const git::merge_conflict& e) {
    BOOST_TEST(e.files == std::vector<std::string>{"README.md"});
    BOOST_TEST(std::string(e.what()).find("conflicts in README.md") != std::string::npos);
  }
  BOOST_TEST(
      test::git(repo, {"branch", "--list", "ai-sdlc/S-0003-c"}).empty()); // nothing half-made
  BOOST_TEST(!std::filesystem::exists(repo / ".ai-sdlc/worktrees/S-0003-c"));
}

// "Code travels through git" (remote nodes): the orchestrator's story branch
// goes to the shared remote, a node's workspace holds exactly that commit,
// and the node's work comes back through its own result ref, never the
// story branch, which only the orchestrator writes.
BOOST_FIXTURE_TEST_CASE(a_node_result_travels_through_its_own_ref, repo_fixture) {
  BOOST_TEST(result_ref("127.0.0.1:4242", "ai-sdlc/S-0001-x") ==
             "refs/sdlc/results/127.0.0.1-4242/ai-sdlc/S-0001-x");
  BOOST_TEST(result_ref("[::1]:4242", "b") == "refs/sdlc/results/---1--4242/b");
  const auto remote = (d.path / "remote.git").string();
  test::git(d.path, {"init", "-q", "--bare", remote});
  auto wt = service().ensure("S-0001", "x");
  const std::string branch = "ai-sdlc/S-0001-x";
  git::push_branch(wt.path, remote, branch, true);
  const auto sent = *git::branch_tip(wt.path, branch);

  node_workspace ws(d.path / "node");
  auto node_wt = ws.prepare(remote, branch, sent);
  BOOST_TEST(test::git(node_wt, {"rev-parse", "HEAD"}) == sent + "\n");
  // A job that changed nothing pushes nothing.
  BOOST_TEST(ws.commit_and_push(node_wt, remote, branch, "127.0.0.1:4242", "no-op") == sent);
  BOOST_TEST(test::git(remote, {"for-each-ref", "refs/sdlc"}).empty());
  test::write(node_wt / "S-0001.txt", "work\n");
  auto made = ws.commit_and_push(node_wt, remote, branch, "127.0.0.1:4242", "S-0001: implement");
  BOOST_TEST(made != sent);
  const auto ref = result_ref("127.0.0.1:4242", branch);
  BOOST_TEST(test::git(remote, {"rev-parse", ref}) == made + "\n");
  BOOST_TEST(test::git(remote, {"rev-parse", branch}) == sent + "\n"); // untouched

  BOOST_TEST(git::fetch_ref(wt.path, remote, ref).value_or("") == made);
  git::delete_remote_ref(wt.path, remote, ref);
  BOOST_TEST(!git::fetch_ref(wt.path, remote, ref).has_value());
  BOOST_CHECK_NO_THROW(git::delete_remote_ref(wt.path, remote, ref)); // gone already: fine
  BOOST_TEST(git::fetch_branch(wt.path, remote, branch).value_or("") == sent);
  // Fetching keeps the commits, not staging refs in the user's repository.
  BOOST_TEST(test::git(wt.path, {"for-each-ref", "refs/sdlc"}).empty());

  // The story is done: the node's worktree and local branch go.
  test::write(node_wt / "scratch.log", "untracked\n");
  BOOST_TEST(ws.remove(remote, branch));
  BOOST_TEST(!std::filesystem::exists(node_wt));
  BOOST_TEST(!git::branch_tip(ws.repo_dir(remote), branch).has_value());
  BOOST_TEST(!ws.remove(remote, branch)); // nothing left
  // A later job for the branch gets a fresh worktree.
  auto again = ws.prepare(remote, branch, sent);
  BOOST_TEST(test::git(again, {"rev-parse", "HEAD"}) == sent + "\n");
}

namespace {

// checkout_needs_filters for the tip of `branch`, with the user's global
// git attributes pointed at an empty folder.
bool needs_filters(const std::filesystem::path& repo, const std::string& branch) {
  auto r = git::open(repo);
  auto tip = git::branch_commit(r.get(), branch);
  auto tree = git::tree_of(tip.get());
  return git::checkout_needs_filters(r.get(), tree.get());
}

} // namespace

// A worktree is checked out without libgit2's filters only when none could
// apply; a repository whose attributes or config ask for conversion gets
// exactly what `git worktree add` would write.
BOOST_FIXTURE_TEST_CASE(filters_apply_exactly_when_attributes_or_config_ask, repo_fixture) {
  test::temp_dir xdg;
  ::setenv("XDG_CONFIG_HOME", xdg.path.c_str(), 1);
  const bool system_wide = std::filesystem::exists("/etc/gitattributes");
  test::write(repo / "a.txt", "one\ntwo\n");
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "a"});
  BOOST_TEST(needs_filters(repo, "main") == system_wide); // nothing asks: no filters
  auto plain = service().ensure("S-0010", "plain");
  BOOST_TEST(test::read(plain.path / "a.txt") == "one\ntwo\n");
  BOOST_TEST(test::git(plain.path, {"status", "--porcelain"}).empty());

  // Attributes in a subfolder only: the walk must find them.
  test::write(repo / "sub/.gitattributes", "*.txt text eol=crlf\n");
  test::write(repo / "sub/b.txt", "three\nfour\n");
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "crlf in sub"});
  BOOST_TEST(needs_filters(repo, "main"));
  auto converted = service().ensure("S-0011", "converted");
  BOOST_TEST(test::read(converted.path / "sub/b.txt") == "three\r\nfour\r\n");
  BOOST_TEST(test::read(converted.path / "a.txt") == "one\ntwo\n");
  BOOST_TEST(test::git(converted.path, {"status", "--porcelain"}).empty());
  test::git(repo, {"worktree", "add", "-q", (xdg.path / "by-git").string(), "-b", "by-git"});
  BOOST_TEST(test::read(xdg.path / "by-git/sub/b.txt") ==
             test::read(converted.path / "sub/b.txt")); // as git writes it

  // Config alone asks too, and so does a global attributes file.
  test::git(repo, {"rm", "-q", "sub/.gitattributes"});
  test::git(repo, {"commit", "-q", "-m", "no attributes"});
  BOOST_TEST(needs_filters(repo, "main") == system_wide);
  test::git(repo, {"config", "core.autocrlf", "true"});
  BOOST_TEST(needs_filters(repo, "main"));
  test::git(repo, {"config", "core.autocrlf", "input"});
  BOOST_TEST(needs_filters(repo, "main"));
  test::git(repo, {"config", "core.autocrlf", "false"});
  test::git(repo, {"config", "core.eol", "crlf"});
  BOOST_TEST(needs_filters(repo, "main"));
  test::git(repo, {"config", "--unset", "core.eol"});
  BOOST_TEST(needs_filters(repo, "main") == system_wide);
  test::write(xdg.path / "git/attributes", "*.txt ident\n");
  BOOST_TEST(needs_filters(repo, "main"));
  std::filesystem::remove(xdg.path / "git/attributes");
  test::write(repo / ".git/info/attributes", "*.txt ident\n");
  BOOST_TEST(needs_filters(repo, "main"));
  ::unsetenv("XDG_CONFIG_HOME");
}
