#include "runtime/remote/node_workspace.hpp"

#include "runtime/git/remote_sync.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/git/worktree_creation.hpp"
#include "runtime/git/worktree_removal.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {
// Drops worktree `name` from the repository's records and its folder, if
// git knows it (valid or not: a folder deleted by hand leaves a record).
void prune_worktree(git_repository* repo, const std::string& name) {
  git_worktree* w = nullptr;
  if (git_worktree_lookup(&w, repo, name.c_str()) != 0) return;
  git::worktree_ptr wt(w);
  git_worktree_prune_options po = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
  po.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
  git::prune_worktree_metadata(wt.get(), po, git_repository_commondir(repo), name,
                               "remove worktree " + name);
}
} // namespace

node_workspace::node_workspace(stdfs::path workdir) : workdir_(std::move(workdir)) {
  stdfs::create_directories(workdir_ / "repos");
  stdfs::create_directories(workdir_ / "worktrees");
}

stdfs::path node_workspace::repo_dir(const std::string& url) const {
  return workdir_ / "repos" / fmt::format("{:016x}", std::hash<std::string>{}(url));
}

stdfs::path node_workspace::prepare(const std::string& url, const std::string& branch,
                                    const std::string& sha) {
  std::lock_guard<std::mutex> lock(mu_);
  auto repo = repo_dir(url);
  if (!stdfs::exists(repo / ".git")) {
    git::ensure_initialised();
    git_repository* r = nullptr;
    git::check(git_repository_init(&r, repo.c_str(), 0), "create " + repo.string());
    git_repository_free(r);
  }
  auto fetched = git::fetch_branch(repo, url, branch);
  if (!fetched)
    throw failure(fmt::format("branch {} is not on the shared remote {}; the orchestrator pushes "
                              "it before sending work",
                              branch, url));
  if (*fetched != sha && !git::is_ancestor(repo, sha, *fetched))
    throw failure(fmt::format("branch {} on {} is at {}, which does not contain {}", branch, url,
                              fetched->substr(0, 12), sha.substr(0, 12)));
  git::set_branch(repo, branch, sha);
  auto wt = worktree_dir(url, branch);
  const auto name = wt.filename().string();
  {
    auto r = git::open(repo);
    git::undo_interrupted_add(git_repository_commondir(r.get()), name);
  }
  if (!stdfs::exists(wt / ".git")) {
    auto r = git::open(repo);
    // A worktree folder that is gone leaves git's metadata: drop it first.
    prune_worktree(r.get(), name);
    stdfs::create_directories(wt.parent_path());
    git_reference* ref = nullptr;
    git::check(git_reference_lookup(&ref, r.get(), ("refs/heads/" + branch).c_str()),
               "find branch " + branch);
    git::ref_ptr owner(ref);
    git_worktree_add_options opts = GIT_WORKTREE_ADD_OPTIONS_INIT;
    opts.ref = ref;
    git_worktree* added = nullptr;
    const stdfs::path common_dir = git_repository_commondir(r.get());
    auto adding = git::begin_worktree_add(common_dir, name, wt);
    git::check(git_worktree_add(&added, r.get(), name.c_str(), wt.c_str(), &opts),
               "add worktree " + wt.string());
    git_worktree_free(added);
    adding.finish();
  }
  git::worktree_service::clear_stale_git_locks(wt);
  git::worktree_service::discard_uncommitted(wt); // HEAD is the branch, now at `sha`
  return wt;
}

stdfs::path node_workspace::worktree_dir(const std::string& url, const std::string& branch) const {
  auto name = branch;
  std::replace(name.begin(), name.end(), '/', '-');
  return workdir_ / "worktrees" / repo_dir(url).filename() / name;
}

bool node_workspace::remove(const std::string& url, const std::string& branch) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto repo = repo_dir(url);
  const auto wt = worktree_dir(url, branch);
  const bool had = stdfs::exists(wt);
  if (!stdfs::exists(repo / ".git")) return had && stdfs::remove_all(wt) > 0;
  auto r = git::open(repo);
  prune_worktree(r.get(), wt.filename().string());
  std::error_code ec;
  stdfs::remove_all(wt, ec); // whatever the prune left (untracked, ignored files)
  const auto ref = "refs/heads/" + branch;
  git_reference* ptr = nullptr;
  if (git_reference_lookup(&ptr, r.get(), ref.c_str()) == 0) {
    git::ref_ptr owner(ptr);
    git::check(git_reference_delete(ptr), "delete " + ref);
  }
  return had;
}

std::string result_ref(const std::string& node, const std::string& branch) {
  auto name = node;
  // host:port, [v6]:port: keep what a ref name allows.
  for (auto& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '-';
  return "refs/sdlc/results/" + name + "/" + branch;
}

std::string node_workspace::commit_and_push(const stdfs::path& worktree, const std::string& url,
                                            const std::string& branch, const std::string& node,
                                            const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  // Nothing changed: nothing to push (the orchestrator fetches only a new commit).
  if (git::worktree_service::commit_all(worktree, message))
    git::push_branch_to(worktree, url, branch, result_ref(node, branch));
  auto tip = git::branch_tip(worktree, branch);
  if (!tip) throw failure("branch " + branch + " vanished from " + worktree.string());
  return *tip;
}

} // namespace sdlc
