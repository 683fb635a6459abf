#pragma once
// A story's git worktree: `<basePath>/<ID>-<slug>` on branch `ai-sdlc/<ID>-<slug>`,
// made from the base branch, reused when it exists, committed to after
// implement and rework, removed on request. All through libgit2.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct git_repository; // libgit2 (runtime/git/repository.hpp)

namespace sdlc::git {

struct merge_conflict : std::runtime_error {
  merge_conflict(const std::string& what, std::vector<std::string> conflicting)
      : std::runtime_error(what), files(std::move(conflicting)) {}
  std::vector<std::string> files;
};

struct worktree_info {
  std::string name;   // <ID>-<slug>: the worktree's name in git's metadata
  std::string branch; // ai-sdlc/<ID>-<slug>
  std::filesystem::path path;
  bool created = false; // false when an existing one was reused
};

struct worktree_listing {
  std::string name;
  std::filesystem::path path;
  std::string branch;
  bool valid = false; // folder present and registered
};

class worktree_service {
public:
  // `base_path` is relative to the project root unless absolute.
  worktree_service(std::filesystem::path project_root, std::filesystem::path base_path);

  static std::string name_for(const std::string& id, const std::string& slug);
  static std::string branch_for(const std::string& id, const std::string& slug);

  // Creates (or reuses) the worktree for a story. A new story branch starts at
  // the base branch's head with `merge_branches` (its dependencies' branches)
  // merged in, without touching any working tree; a conflict there throws
  // merge_conflict naming the files.
  worktree_info ensure(const std::string& id, const std::string& slug,
                       const std::vector<std::string>& merge_branches = {});
  // Removes the worktree folder and git's metadata; the branch stays. Refuses
  // uncommitted changes and untracked files unless `force`.
  void remove(const std::string& id, const std::string& slug, bool force);
  void remove_named(const std::string& name, bool force, const std::string& id);
  // What sdlc-actors removes on its own (done stories, cleanup): only a
  // worktree it made for this repository (worktree_ownership.hpp), and only
  // with nothing unsaved in it unless `force`. Throws bad_input saying why
  // the worktree stays.
  void remove_owned(const std::string& name, const std::string& id, bool force);
  // The repository's common git dir (where worktree metadata lives).
  std::filesystem::path common_dir() const;
  // Drops git's metadata of a worktree whose folder is gone (a no-op otherwise).
  void prune_stale(const std::string& name);
  const std::filesystem::path& base_path() const { return base_; }
  // A folder of ours beside the worktrees (the landing lane's checkout of what
  // it tests), kept out of the main checkout's `git status`.
  std::filesystem::path scratch_dir(const std::string& name) const;
  std::vector<worktree_listing> list() const;

  // Tracked files with changes in the main checkout, outside `ignore_dir`.
  // Refreshes the index's stale stat data, as `git status` does.
  std::vector<std::string> dirty_files(const std::filesystem::path& ignore_dir) const;
  // Throws bad_input naming the changed files unless the main checkout is clean.
  void require_clean(const std::filesystem::path& ignore_dir) const;

  // Stages everything in `worktree` and commits on its branch. nullopt when
  // there was nothing to commit.
  static std::optional<std::string> commit_all(const std::filesystem::path& worktree,
                                               const std::string& message);

  // Merges `commit` (the base's tip) into `worktree` as `git merge` does,
  // leaving conflict markers and MERGE_HEAD for the agent to resolve;
  // commit_all then records the merge with both parents. nullopt (nothing
  // done) when the worktree has uncommitted changes; else the conflicted files.
  static std::optional<std::vector<std::string>> merge_into(const std::filesystem::path& worktree,
                                                            const std::string& commit);

  // The commit `worktree`'s HEAD names and its message; nullopt when there is
  // no such worktree or it has no commit.
  struct commit_info {
    std::string sha;
    std::string message;
  };
  static std::optional<commit_info> head_commit(const std::filesystem::path& worktree);

  // Throws away uncommitted changes and untracked files in `worktree` (an
  // interrupted action's partial edits: its effect is redone, not kept half).
  static void discard_uncommitted(const std::filesystem::path& worktree);
  // Lock files a killed run can leave in a worktree's git dir (index.lock,
  // HEAD.lock) and on its branch's ref. Only for a worktree nobody else uses:
  // the story's own, under the board's run lock, with its agents stopped.
  // Returns what was removed.
  static std::vector<std::string> clear_stale_git_locks(const std::filesystem::path& worktree);

private:
  void exclude_base(git_repository* repo) const;
  // One attempt of ensure(); `began_add`: it got as far as adding.
  worktree_info add_or_reuse(const std::string& id, const std::string& slug,
                             const std::vector<std::string>& merge_branches, bool& began_add);

  std::filesystem::path root_;
  std::filesystem::path base_;
};

} // namespace sdlc::git
