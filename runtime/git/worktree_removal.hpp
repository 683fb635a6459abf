#pragma once
// A worktree's removal. Under the repository's worktree lock its folder is
// renamed aside (`.sdlc-actors-removing-<name>`, within its parent) and git's
// metadata pruned; the files are deleted after the lock, as an add checks out
// after it. The branch stays. `cleanup` removes a folder a kill left aside
// (its marker and .git link still name the worktree).
#include <filesystem>
#include <string>

namespace sdlc::git {

// Removes worktree `name` of the repository at `root` (`id` names the story
// in errors). Refuses (bad_input) uncommitted changes and untracked files
// unless `force`, and with `only_ours` a worktree sdlc-actors did not make
// (worktree_ownership.hpp).
void remove_worktree(const std::filesystem::path& root, const std::string& name,
                     const std::string& id, bool force, bool only_ours);

} // namespace sdlc::git
