#include "runtime/git/worktree_removal.hpp"

#include "runtime/git/repository.hpp"
#include "runtime/git/worktree_lock.hpp"
#include "runtime/git/worktree_ownership.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

// A removal's files are deleted after the lock, as an add's are checked out
// after it: under the lock the folder is renamed aside, within its parent,
// and git's metadata pruned. An aside folder that a kill leaves is still ours
// (its marker and .git link name the worktree): `cleanup` removes it. Empty
// when it cannot be renamed; the files are then deleted under the lock.
stdfs::path set_aside(const stdfs::path& path, const std::string& name) {
  for (int n = 0; n < 100; ++n) {
    auto aside = path.parent_path() / fmt::format(".sdlc-actors-removing-{}{}", name,
                                                  n ? fmt::format("-{}", n) : std::string());
    if (::rename(path.c_str(), aside.c_str()) == 0) return aside;
    if (errno != EEXIST && errno != ENOTEMPTY) break; // a leftover of a kill: try the next name
  }
  return {};
}

} // namespace

// One open of the repository and one hold of the worktree lock for the whole
// removal: the ownership check, the check for unsaved work and the prune
// see the same worktree (a removal is on the critical path of every story).
void remove_worktree(const stdfs::path& root, const std::string& name, const std::string& id,
                     bool force, bool only_ours) {
  auto repo = open(root);
  stdfs::path files;
  {
    auto lock = worktree_lock(repo.get());
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo.get(), name.c_str()) != 0)
      throw bad_input(fmt::format("{} has no worktree named {}", id, name));
    worktree_ptr wt(raw);
    stdfs::path path = git_worktree_path(wt.get());
    const bool exists = stdfs::exists(path);
    if (only_ours && exists && !owned_worktree(path, git_repository_commondir(repo.get())))
      throw bad_input(fmt::format("{} was not made by sdlc-actors for this repository (no {} "
                                  "naming it); left alone",
                                  path.string(), worktree_marker_name));
    if (!force && exists) {
      auto dirty = unsaved_files(path);
      if (!dirty.empty())
        throw bad_input(fmt::format("the worktree of {} has uncommitted changes or untracked "
                                    "files ({}{}); commit them or use --force",
                                    id, dirty.front(), dirty.size() > 1 ? ", ..." : ""));
    }
    git_worktree_prune_options popts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
    popts.flags =
        GIT_WORKTREE_PRUNE_VALID | (force ? static_cast<uint32_t>(GIT_WORKTREE_PRUNE_LOCKED) : 0u);
    // A worktree git refuses to prune (`git worktree lock`) keeps its folder where it is.
    if (exists && git_worktree_is_prunable(wt.get(), &popts) > 0) files = set_aside(path, name);
    if (files.empty()) {
      popts.flags |= GIT_WORKTREE_PRUNE_WORKING_TREE;
      files = path;
    }
    prune_worktree_metadata(wt.get(), popts, git_repository_commondir(repo.get()), name,
                            "remove worktree " + name);
  }
  std::error_code ec;
  stdfs::remove_all(files, ec);
}

void prune_worktree_metadata(git_worktree* wt, git_worktree_prune_options opts,
                             const stdfs::path& common_dir, const std::string& name,
                             const std::string& what) {
  const int pruned = git_worktree_prune(wt, &opts);
  if (pruned == 0) return;
  const auto metadata = worktree_metadata_dir(common_dir, name);
  if (stdfs::exists(metadata / "gitdir")) check(pruned, what);
  std::error_code ec;
  for (int attempt = 0; attempt < 3 && stdfs::exists(metadata); ++attempt)
    stdfs::remove_all(metadata, ec); // git may be deleting it beside us
  if (stdfs::exists(metadata)) check(pruned, what);
}

} // namespace sdlc::git
