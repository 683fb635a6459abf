#pragma once
// A node's side of "code travels through git": one repository per shared
// remote under <workdir>/repos, one worktree per story branch under
// <workdir>/worktrees. Before every job the story's worktree is made to hold
// exactly the commit the orchestrator sent (fetched, reset, untracked files
// removed), so a job that died on this or another node leaves nothing
// behind; after an implement or rework the work is committed and pushed to
// the node's result ref for the branch. The story branch on the shared
// remote has one writer, the orchestrator.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

namespace sdlc {

// Where node `node` (host:port) pushes its work on `branch`:
// refs/sdlc/results/<host>-<port>/<branch>. One per node, so the commit of a
// job that ran on after its orchestrator gave up on it (a frozen node that
// wakes) lands beside the retry's, never on it.
std::string result_ref(const std::string& node, const std::string& branch);

class node_workspace {
public:
  explicit node_workspace(std::filesystem::path workdir);

  const std::filesystem::path& workdir() const { return workdir_; }

  // The story's worktree, holding `sha` of `branch` from `url`.
  std::filesystem::path prepare(const std::string& url, const std::string& branch,
                                const std::string& sha);

  // Commits every change in `worktree` and, when there were any, pushes
  // `branch` to result_ref(node, branch) on `url`. The branch's commit after
  // it (new or unchanged).
  std::string commit_and_push(const std::filesystem::path& worktree, const std::string& url,
                              const std::string& branch, const std::string& node,
                              const std::string& message);

  // The story is done: its worktree and local branch go (the shared remote
  // keeps the branch). True when there was a worktree.
  bool remove(const std::string& url, const std::string& branch);

  // <workdir>/repos/<hash of url>: stable, so a node that restarts reuses it.
  std::filesystem::path repo_dir(const std::string& url) const;
  // <workdir>/worktrees/<repo dir name>/<branch with / as ->.
  std::filesystem::path worktree_dir(const std::string& url, const std::string& branch) const;

private:
  std::filesystem::path workdir_;
  std::mutex mu_; // libgit2 ref locks: one git operation at a time per node
};

} // namespace sdlc
