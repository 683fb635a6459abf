#include "runtime/git/repository.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <mutex>
#include <set>

namespace sdlc::git {

void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

void check(int rc, const std::string& what) {
  if (rc >= 0) return;
  const git_error* e = git_error_last();
  const std::string message = e && e->message ? e->message : "";
  // A repository without a commit: what to do, not libgit2's words.
  if (rc == GIT_EUNBORNBRANCH ||
      (rc == GIT_ENOTFOUND && message.find("revspec 'HEAD'") != std::string::npos))
    throw bad_input("the repository has no commit yet, and stories start from one: make a first "
                    "commit (e.g. `git add -A && git commit -m \"initial commit\"`), then run "
                    "again");
  throw failure(
      fmt::format("git: {} failed: {}", what, e && e->message ? e->message : "unknown error"));
}

repo_ptr open(const std::filesystem::path& path) {
  ensure_initialised();
  git_repository* r = nullptr;
  if (git_repository_open_ext(&r, path.c_str(), 0, nullptr) < 0)
    throw bad_input(fmt::format("{} is not inside a git repository; `git init` it first (worktrees "
                                "need one)",
                                path.string()));
  repo_ptr out(r);
  if (git_repository_is_bare(out.get()))
    throw bad_input(fmt::format("{} is a bare repository (no working tree); clone it (`git clone "
                                "{} work`) and run sdlc-actors in the clone",
                                path.string(), path.string()));
  return out;
}

sig_ptr signature(git_repository* repo) {
  git_signature* s = nullptr;
  if (git_signature_default(&s, repo) < 0)
    check(git_signature_now(&s, "sdlc-actors", "sdlc-actors@localhost"), "create a signature");
  return sig_ptr(s);
}

commit_ptr branch_commit(git_repository* repo, const std::string& branch) {
  git_reference* raw = nullptr;
  check(git_branch_lookup(&raw, repo, branch.c_str(), GIT_BRANCH_LOCAL), "find branch " + branch);
  ref_ptr ref(raw);
  git_commit* c = nullptr;
  check(git_commit_lookup(&c, repo, git_reference_target(ref.get())), "look up " + branch);
  return commit_ptr(c);
}

tree_ptr tree_of(git_commit* c) {
  git_tree* t = nullptr;
  check(git_commit_tree(&t, c), "read a commit's tree");
  return tree_ptr(t);
}

std::string oid_string(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

std::string blob_id(std::string_view content) {
  git_oid oid;
  git_odb_hash(&oid, content.data(), content.size(), GIT_OBJECT_BLOB);
  return oid_string(oid);
}

std::vector<std::string> changed_paths(const std::filesystem::path& path, bool include_untracked,
                                       index_refresh refresh) {
  auto repo = open(path);
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  if (include_untracked)
    opts.flags |= GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  git_status_list* raw = nullptr;
  if (refresh == index_refresh::yes) {
    opts.flags |= GIT_STATUS_OPT_UPDATE_INDEX;
    // libgit2 fails the whole status when it cannot write the index: as
    // `git status`, go without the refresh then.
    if (git_status_list_new(&raw, repo.get(), &opts) < 0) {
      raw = nullptr;
      opts.flags &= ~static_cast<unsigned>(GIT_STATUS_OPT_UPDATE_INDEX);
    }
  }
  if (!raw)
    check(git_status_list_new(&raw, repo.get(), &opts), "read the status of " + path.string());
  status_ptr list(raw);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const auto* e = git_status_byindex(list.get(), i);
    if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED)) continue;
    const git_diff_delta* d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
    out.push_back(d && d->new_file.path ? d->new_file.path : "");
  }
  return out;
}

std::vector<std::string> conflicted_paths(git_index* index) {
  std::set<std::string> files;
  if (!git_index_has_conflicts(index)) return {};
  git_index_conflict_iterator* it = nullptr;
  check(git_index_conflict_iterator_new(&it, index), "list conflicts");
  const git_index_entry *anc = nullptr, *our = nullptr, *their = nullptr;
  while (git_index_conflict_next(&anc, &our, &their, it) == 0) {
    const git_index_entry* e = our ? our : (their ? their : anc);
    if (e && e->path) files.insert(e->path);
  }
  git_index_conflict_iterator_free(it);
  return {files.begin(), files.end()};
}

} // namespace sdlc::git
