#pragma once
// Thin RAII over libgit2: one owner type per libgit2 object, and one error
// path that turns libgit2's last error into an sdlc::error naming what failed.
#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc::git {

template <class T, void (*Free)(T*)> struct deleter {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};

using repo_ptr = std::unique_ptr<git_repository, deleter<git_repository, git_repository_free>>;
using ref_ptr = std::unique_ptr<git_reference, deleter<git_reference, git_reference_free>>;
using commit_ptr = std::unique_ptr<git_commit, deleter<git_commit, git_commit_free>>;
using tree_ptr = std::unique_ptr<git_tree, deleter<git_tree, git_tree_free>>;
using index_ptr = std::unique_ptr<git_index, deleter<git_index, git_index_free>>;
using sig_ptr = std::unique_ptr<git_signature, deleter<git_signature, git_signature_free>>;
using worktree_ptr = std::unique_ptr<git_worktree, deleter<git_worktree, git_worktree_free>>;
using status_ptr = std::unique_ptr<git_status_list, deleter<git_status_list, git_status_list_free>>;
using object_ptr = std::unique_ptr<git_object, deleter<git_object, git_object_free>>;

// Throws sdlc::error(failure) with libgit2's message when rc < 0.
void check(int rc, const std::string& what);

// Initialises libgit2 once per process.
void ensure_initialised();

repo_ptr open(const std::filesystem::path& path);

// "sdlc-actors <sdlc-actors@localhost>" unless the repository configures a user.
sig_ptr signature(git_repository* repo);

std::string oid_string(const git_oid& oid);

// The commit a local branch points at; throws naming the branch.
commit_ptr branch_commit(git_repository* repo, const std::string& branch);
// A commit's tree.
tree_ptr tree_of(git_commit* c);

// The id git gives `content` as a blob (a content hash).
std::string blob_id(std::string_view content);

// Whether a status writes the stat data it found stale back to the index.
enum class index_refresh { no, yes };

// Paths `git status` reports as changed in the working tree or index of the
// repository at `path` (ignored files never; untracked ones with
// `include_untracked`). With index_refresh::yes, files found unchanged whose
// stat data the index holds stale are written back to it, as `git status`
// does: in a copied checkout every file is stale, and libgit2 reads and
// hashes each such file on every status until the index is written. Skipped
// when the index cannot be written (locked by a git command, read-only).
std::vector<std::string> changed_paths(const std::filesystem::path& path, bool include_untracked,
                                       index_refresh refresh = index_refresh::no);

// The paths with conflicts in a merge result (one per conflict), sorted.
std::vector<std::string> conflicted_paths(git_index* index);

} // namespace sdlc::git
