#include "runtime/git/worktree_lock.hpp"

#include <chrono>
#include <filesystem>

namespace sdlc::git {

file_lock worktree_lock(git_repository* repo) {
  return file_lock(std::filesystem::path(git_repository_commondir(repo)) /
                       "sdlc-actors-worktrees.lock",
                   std::chrono::seconds(60), "the repository's worktrees");
}

} // namespace sdlc::git
