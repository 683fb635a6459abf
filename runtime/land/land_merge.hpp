#pragma once
// The landing lane's git work, through libgit2: stories' branches merged one
// after another onto a base tip as new commits (in memory: no working tree
// and no ref is touched), the result checked out into a scratch folder for
// the build and tests, and the base branch advanced to exactly the tested
// commit — only from the tip it was tested on, and the main checkout along
// with it only when no uncommitted file of the user's would be overwritten.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// branch_tip and is_ancestor: runtime/git/remote_sync.hpp

namespace sdlc::git {

enum class merge_strategy { squash, merge }; // merge.strategy (rebase: not yet)

struct landing_branch {
  std::string id;      // the story
  std::string branch;  // its branch
  std::string message; // the commit message (squash) or merge message
};

struct merged_batch {
  std::string base_tip;                                     // what it was merged onto
  std::string tip;                                          // the last commit (base_tip if none)
  std::vector<std::pair<std::string, std::string>> commits; // story id, its commit on the base
  std::optional<std::string> conflict;                      // the first story that conflicts
  std::vector<std::string> conflict_files;
};

// Merges `stories` in order onto `base_tip`: one commit per story (squash:
// the story's changes with one parent; merge: a merge commit with the
// story's tip as second parent). A story whose changes the tip has already
// gets no commit (its commit is the tip). Stops at the first conflict, naming
// the story and its files; the commits before it are in the result.
merged_batch merge_onto(const std::filesystem::path& repo, const std::string& base_tip,
                        const std::vector<landing_branch>& stories, merge_strategy strategy);

// Writes the files of `commit` into `dir` (emptied first), for the build and
// tests; the repository's index and working tree are not touched.
void export_commit(const std::filesystem::path& repo, const std::string& commit,
                   const std::filesystem::path& dir);

// Moves `branch` from `expected_tip` to `new_tip`. When the main checkout has
// the branch checked out, its files follow (only those the commits change);
// refused — nothing moved, the reason returned — when one of them has
// uncommitted changes, or the branch is no longer at `expected_tip`.
std::optional<std::string> advance_branch(const std::filesystem::path& repo,
                                          const std::string& branch,
                                          const std::string& expected_tip,
                                          const std::string& new_tip);

// A landing killed after it moved `branch` but before the main checkout's
// files followed: finishes the checkout (from the journal advance_branch
// keeps in the git dir). What it did, or nothing when there was nothing to do.
std::optional<std::string> finish_interrupted_landing(const std::filesystem::path& repo,
                                                      const std::string& branch);

} // namespace sdlc::git
