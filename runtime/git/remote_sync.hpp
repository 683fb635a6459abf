#pragma once
// Moving a story branch between repositories through a shared remote
// (`remote.url`: a path, file://, ssh:// or https://), with libgit2. The
// orchestrator pushes the branch a node should work on and fetches what the
// node pushed back; a node fetches, works, commits and pushes. Calls in one
// process are serialized: libgit2 takes ref locks that concurrent fetches of
// the same repository would trip over. Other processes write the remote at
// the same time (the nodes, the orchestrator): a push or fetch that fails on
// a race with one of them is tried again (remote_race.hpp).
#include <filesystem>
#include <optional>
#include <string>

namespace sdlc::git {

// Pushes refs/heads/<branch> of the repository at `repo_dir` to `url`.
// `force`: the remote's branch becomes ours even if it moved elsewhere (the
// orchestrator's view is the truth; a lost node's unreported commit goes).
void push_branch(const std::filesystem::path& repo_dir, const std::string& url,
                 const std::string& branch, bool force);

// Pushes refs/heads/<branch> to `remote_ref` on `url`, whatever that held.
// A node's results go to a ref of its own (result_ref): a job that outlived
// its orchestrator's patience cannot move the story branch under a retry.
void push_branch_to(const std::filesystem::path& repo_dir, const std::string& url,
                    const std::string& branch, const std::string& remote_ref);

// Deletes `remote_ref` on `url` (no error when it is not there).
void delete_remote_ref(const std::filesystem::path& repo_dir, const std::string& url,
                       const std::string& remote_ref);

// Fetches <branch> from `url`: the commit it names (its objects are now in
// the repository, no ref is kept), or nullopt when the remote has no such branch.
std::optional<std::string> fetch_branch(const std::filesystem::path& repo_dir,
                                        const std::string& url, const std::string& branch);

// Fetches the full ref `remote_ref` (refs/...) from `url` through a staging
// ref that is deleted again. Its commit, or nullopt.
std::optional<std::string> fetch_ref(const std::filesystem::path& repo_dir, const std::string& url,
                                     const std::string& remote_ref);

// Points refs/heads/<branch> at `sha` (creating it when missing).
void set_branch(const std::filesystem::path& repo_dir, const std::string& branch,
                const std::string& sha);

// Points the full ref `ref` (refs/...) at `sha`; `why` goes to its reflog.
void set_ref(const std::filesystem::path& repo_dir, const std::string& ref, const std::string& sha,
             const std::string& why);

// Deletes refs/heads/<branch> only when `base` contains its tip (nothing of
// it becomes unreachable) and no worktree has it checked out; whether it did.
bool delete_branch_if_merged(const std::filesystem::path& repo_dir, const std::string& branch,
                             const std::string& base);

// The URL of the configured remote `name` (as written in .git/config), or nullopt.
std::optional<std::string> remote_url(const std::filesystem::path& repo_dir,
                                      const std::string& name);

// The commit refs/heads/<branch> names, or nullopt.
std::optional<std::string> branch_tip(const std::filesystem::path& repo_dir,
                                      const std::string& branch);

// Whether `ancestor` is `descendant` or one of its ancestors.
bool is_ancestor(const std::filesystem::path& repo_dir, const std::string& ancestor,
                 const std::string& descendant);

} // namespace sdlc::git
