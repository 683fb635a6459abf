#pragma once
// Whether checking a tree out can need libgit2's filters (CRLF conversion,
// `ident`, filter drivers such as Git LFS). gitattributes and core.autocrlf
// drive them, and looking attributes up makes libgit2 1.5 realpath every
// file it writes (16 failed readlinks each: 17 % of a worktree add of 2,000
// files). A checkout that provably has no filter to apply runs without them;
// any doubt keeps them.
#include <git2.h>

namespace sdlc::git {

// False only when no `.gitattributes` is anywhere in `tree`, the repository
// has no `info/attributes`, no global attributes file exists
// (core.attributesFile, ~/.config/git/attributes, /etc/gitattributes),
// core.autocrlf is unset or false, and core.eol is unset, lf or native.
bool checkout_needs_filters(git_repository* repo, git_tree* tree);

} // namespace sdlc::git
