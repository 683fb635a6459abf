#pragma once
// A story's branch, `ai-sdlc/<ID>-<slug>`: reused when it exists, else started
// at HEAD with its dependencies' branches merged in, one after another, as
// commits on no branch (libgit2 merges trees in memory; no working tree is
// touched). Dependencies whose branches conflict throw merge_conflict
// (runtime/git/worktree_service.hpp) naming the files.
#include "runtime/git/repository.hpp"

#include <string>
#include <vector>

namespace sdlc::git {

ref_ptr story_branch(git_repository* repo, const std::string& name,
                     const std::vector<std::string>& merge_branches, const std::string& story_id);

} // namespace sdlc::git
