#pragma once
// libgit2 creates .git/worktrees/<name> and branches without coordinating
// with another creator; every worktree change of a repository (and every edit
// of .git/info/exclude) is serialised, across threads and processes, by
// `<common>/sdlc-actors-worktrees.lock`. Held for git's shared state only:
// checkouts and deletions of a worktree's own files run after it.
#include "runtime/util/file_lock.hpp"

#include <git2.h>

namespace sdlc::git {

file_lock worktree_lock(git_repository* repo);

} // namespace sdlc::git
