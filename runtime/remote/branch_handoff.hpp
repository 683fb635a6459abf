#pragma once
// The orchestrator's side of "code travels through git" (node_workspace is
// the node's): before a job goes to a node the story branch is pushed to the
// shared remote (the orchestrator's tip is the truth); after it, what the
// node committed — on its own result ref — becomes the story branch here,
// the result ref is deleted, and the worktree shows the commit. The
// orchestrator stays the single writer of the story branch.
#include <filesystem>
#include <string>

namespace sdlc::remote {

// Pushes `branch` of the worktree's repository to `url` (forced); its tip.
// Throws sdlc::error naming the branch and the remote.
std::string hand_over(const std::filesystem::path& worktree, const std::string& url,
                      const std::string& branch);

// Takes node `node`'s `commit` of `branch` from its result ref on `url` into
// the worktree's branch. Throws sdlc::error when the ref is missing or names
// another commit (the story branch is then untouched).
void take_back(const std::filesystem::path& worktree, const std::string& url,
               const std::string& branch, const std::string& node, const std::string& commit);

} // namespace sdlc::remote
