#pragma once
// A worktree's removal. Under the repository's worktree lock its folder is
// renamed aside (`.sdlc-actors-removing-<name>`, within its parent) and git's
// metadata pruned; the files are deleted after the lock, as an add checks out
// after it. The branch stays. `cleanup` removes a folder a kill left aside
// (its marker and .git link still name the worktree).
#include <git2.h>

#include <filesystem>
#include <string>

namespace sdlc::git {

// Removes worktree `name` of the repository at `root` (`id` names the story
// in errors). Refuses (bad_input) uncommitted changes and untracked files
// unless `force`, and with `only_ours` a worktree sdlc-actors did not make
// (worktree_ownership.hpp).
void remove_worktree(const std::filesystem::path& root, const std::string& name,
                     const std::string& id, bool force, bool only_ours);

// git_worktree_prune of worktree `name` (repository common dir `common_dir`);
// `what` names it in the error. `git worktree prune`, which `git gc` runs and
// which takes no lock of ours, deletes the metadata of a worktree whose folder
// or gitdir file is missing: of a stale worktree, of one set aside, of one
// whose gitdir file libgit2 deleted first. A prune failing midway on a file
// git took counts as done, and what is left of the metadata goes. Throws when
// the gitdir file is still there (the prune failed on its own).
void prune_worktree_metadata(git_worktree* wt, git_worktree_prune_options opts,
                             const std::filesystem::path& common_dir, const std::string& name,
                             const std::string& what);

} // namespace sdlc::git
