#include "runtime/git/branch_changes.hpp"

#include "runtime/git/repository.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sdlc::git {

namespace {

using diff_ptr = std::unique_ptr<git_diff, deleter<git_diff, git_diff_free>>;

std::vector<std::string> sorted(std::set<std::string> s) {
  return {s.begin(), s.end()};
}

} // namespace

bool branch_exists(const std::filesystem::path& repo_path, const std::string& branch) {
  return branch_exists(open(repo_path).get(), branch);
}

bool branch_exists(git_repository* repo, const std::string& branch) {
  git_reference* raw = nullptr;
  if (git_branch_lookup(&raw, repo, branch.c_str(), GIT_BRANCH_LOCAL) != 0) return false;
  git_reference_free(raw);
  return true;
}

std::string current_branch(const std::filesystem::path& repo_path) {
  return current_branch(open(repo_path).get());
}

std::string current_branch(git_repository* repo) {
  git_reference* raw = nullptr;
  check(git_repository_head(&raw, repo), "read HEAD");
  ref_ptr head(raw);
  const char* name = nullptr;
  if (git_branch_name(&name, head.get()) != 0 || !name) return "HEAD";
  return name;
}

std::vector<std::string> changed_files(const std::filesystem::path& repo_path,
                                       const std::string& base, const std::string& branch) {
  return changed_files(open(repo_path).get(), base, branch);
}

std::vector<std::string> changed_files(git_repository* repo, const std::string& base,
                                       const std::string& branch) {
  auto tip = branch_commit(repo, branch);
  auto base_tip = branch_commit(repo, base);
  git_oid mb;
  check(git_merge_base(&mb, repo, git_commit_id(tip.get()), git_commit_id(base_tip.get())),
        fmt::format("find where {} left {}", branch, base));
  git_commit* raw = nullptr;
  check(git_commit_lookup(&raw, repo, &mb), "look up the merge base");
  commit_ptr base_commit(raw);
  auto from = tree_of(base_commit.get());
  auto to = tree_of(tip.get());
  git_diff* d = nullptr;
  check(git_diff_tree_to_tree(&d, repo, from.get(), to.get(), nullptr),
        "diff " + branch + " against " + base);
  diff_ptr diff(d);
  check(git_diff_find_similar(diff.get(), nullptr), "find renames");
  std::set<std::string> files;
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const auto* delta = git_diff_get_delta(diff.get(), i);
    if (delta->old_file.path) files.insert(delta->old_file.path);
    if (delta->new_file.path) files.insert(delta->new_file.path);
  }
  return sorted(std::move(files));
}

std::vector<std::string> uncommitted_files(const std::filesystem::path& worktree) {
  auto repo = open(worktree);
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo.get(), &opts), "read the status of " + worktree.string());
  status_ptr list(raw);
  std::set<std::string> files;
  for (size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const auto* e = git_status_byindex(list.get(), i);
    for (const auto* delta : {e->head_to_index, e->index_to_workdir})
      if (delta) {
        if (delta->old_file.path) files.insert(delta->old_file.path);
        if (delta->new_file.path) files.insert(delta->new_file.path);
      }
  }
  return sorted(std::move(files));
}

std::vector<std::string> merge_conflicts(const std::filesystem::path& repo_path,
                                         const std::string& a, const std::string& b) {
  auto repo = open(repo_path);
  auto ours = branch_commit(repo.get(), a);
  auto theirs = branch_commit(repo.get(), b);
  git_merge_options opts = GIT_MERGE_OPTIONS_INIT;
  git_index* raw = nullptr;
  check(git_merge_commits(&raw, repo.get(), ours.get(), theirs.get(), &opts),
        fmt::format("merge {} into {} (dry run)", b, a));
  index_ptr index(raw);
  return conflicted_paths(index.get());
}

} // namespace sdlc::git
