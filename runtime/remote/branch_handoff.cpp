#include "runtime/remote/branch_handoff.hpp"

#include "runtime/git/remote_sync.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/remote/node_workspace.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc::remote {

std::string hand_over(const std::filesystem::path& worktree, const std::string& url,
                      const std::string& branch) {
  auto sha = git::branch_tip(worktree, branch);
  if (!sha) throw failure(fmt::format("story branch {} has no commit", branch));
  try {
    git::push_branch(worktree, url, branch, true);
  } catch (const std::exception& e) {
    throw failure(fmt::format("push {} to remote.url {}: {}", branch, url, e.what()));
  }
  return *sha;
}

void take_back(const std::filesystem::path& worktree, const std::string& url,
               const std::string& branch, const std::string& node, const std::string& commit) {
  const auto ref = result_ref(node, branch);
  try {
    auto fetched = git::fetch_ref(worktree, url, ref);
    if (!fetched || *fetched != commit)
      throw failure(
          fmt::format("the remote's {} is not the node's commit {}", ref, commit.substr(0, 12)));
    git::set_branch(worktree, branch, commit);
  } catch (const std::exception& e) {
    throw failure(fmt::format("fetch {} from {}: {}", branch, url, e.what()));
  }
  try {
    git::delete_remote_ref(worktree, url, ref); // taken: keep the remote tidy
  } catch (const std::exception&) {
    // A leftover ref is harmless: the next result overwrites it.
  }
  git::worktree_service::discard_uncommitted(worktree); // the worktree shows it
}

} // namespace sdlc::remote
