#include "runtime/git/story_branch.hpp"

#include "runtime/git/worktree_service.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc::git {

namespace {

// `base` with `branches` merged in one after another, as commits on no branch
// (libgit2 merges trees in memory; no working tree is touched).
git_oid merged_start(git_repository* repo, const git_oid& base,
                     const std::vector<std::string>& branches, const std::string& story_id) {
  git_oid current = base;
  for (const auto& name : branches) {
    git_reference* raw = nullptr;
    if (git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_LOCAL) != 0)
      throw failure(fmt::format("{} depends on branch {}, which does not exist", story_id, name));
    ref_ptr ref(raw);
    const git_oid* theirs_id = git_reference_target(ref.get());
    git_commit *ours_raw = nullptr, *theirs_raw = nullptr;
    check(git_commit_lookup(&ours_raw, repo, &current), "look up " + story_id + "'s start");
    commit_ptr ours(ours_raw);
    check(git_commit_lookup(&theirs_raw, repo, theirs_id), "look up " + name);
    commit_ptr theirs(theirs_raw);
    git_oid base_oid;
    if (git_merge_base(&base_oid, repo, &current, theirs_id) == 0 &&
        git_oid_equal(&base_oid, theirs_id))
      continue; // already contained
    if (git_merge_base(&base_oid, repo, &current, theirs_id) == 0 &&
        git_oid_equal(&base_oid, &current)) {
      current = *theirs_id; // fast-forward
      continue;
    }
    git_merge_options opts = GIT_MERGE_OPTIONS_INIT;
    git_index* raw_index = nullptr;
    check(git_merge_commits(&raw_index, repo, ours.get(), theirs.get(), &opts), "merge " + name);
    index_ptr index(raw_index);
    if (auto files = conflicted_paths(index.get()); !files.empty()) {
      throw merge_conflict(fmt::format("merging {} into {}'s branch conflicts in {}", name,
                                       story_id, fmt::join(files, ", ")),
                           files);
    }
    git_oid tree_id;
    check(git_index_write_tree_to(&tree_id, index.get(), repo), "write merged tree");
    git_tree* raw_tree = nullptr;
    check(git_tree_lookup(&raw_tree, repo, &tree_id), "look up merged tree");
    tree_ptr tree(raw_tree);
    auto sig = signature(repo);
    const git_commit* parents[] = {ours.get(), theirs.get()};
    auto message =
        fmt::format("{}: start from dependency {}\n\nMerged by sdlc-actors.", story_id, name);
    check(git_commit_create(&current, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(),
                            tree.get(), 2, parents),
          "commit the merge of " + name);
  }
  return current;
}

} // namespace

// The story branch: reused, or started at the base branch's head with the
// dependencies' branches merged in.
ref_ptr story_branch(git_repository* repo, const std::string& name,
                     const std::vector<std::string>& merge_branches, const std::string& story_id) {
  git_reference* found = nullptr;
  if (git_branch_lookup(&found, repo, name.c_str(), GIT_BRANCH_LOCAL) == 0) return ref_ptr(found);
  git_object* head = nullptr;
  check(git_revparse_single(&head, repo, "HEAD^{commit}"),
        "find HEAD (does the repository have a commit?)");
  object_ptr head_owner(head);
  auto start = merged_start(repo, *git_object_id(head), merge_branches, story_id);
  git_commit* start_commit = nullptr;
  check(git_commit_lookup(&start_commit, repo, &start), "look up the start commit");
  commit_ptr start_owner(start_commit);
  git_reference* made = nullptr;
  check(git_branch_create(&made, repo, name.c_str(), start_commit, 0), "create branch " + name);
  return ref_ptr(made);
}

} // namespace sdlc::git
