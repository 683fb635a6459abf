#pragma once
// What a story's branch and worktree change, for conflict detection: files
// changed since the branch left the base, uncommitted changes in a worktree,
// and a dry-run merge of two branches (libgit2 merges trees in memory; no
// working tree is touched).
#include <git2.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sdlc::git {

bool branch_exists(const std::filesystem::path& repo, const std::string& branch);
// The same in a repository already open: a caller asking about thousands of
// stories opens it once (an open reads three config files).
bool branch_exists(git_repository* repo, const std::string& branch);
// The branch the main checkout is on (the base story branches start from).
std::string current_branch(const std::filesystem::path& repo);
std::string current_branch(git_repository* repo);
// Files changed on `branch` against its merge base with `base` (both paths of
// a rename), sorted.
std::vector<std::string> changed_files(const std::filesystem::path& repo, const std::string& base,
                                       const std::string& branch);
std::vector<std::string> changed_files(git_repository* repo, const std::string& base,
                                       const std::string& branch);
// Files with uncommitted changes in `worktree`, untracked ones included, sorted.
std::vector<std::string> uncommitted_files(const std::filesystem::path& worktree);
// Files that would conflict merging `b` into `a`; empty when it merges cleanly.
std::vector<std::string> merge_conflicts(const std::filesystem::path& repo, const std::string& a,
                                         const std::string& b);

} // namespace sdlc::git
