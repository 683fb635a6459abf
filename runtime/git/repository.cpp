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
  return repo_ptr(r);
}

sig_ptr signature(git_repository* repo) {
  git_signature* s = nullptr;
  if (git_signature_default(&s, repo) < 0)
    check(git_signature_now(&s, "sdlc-actors", "sdlc-actors@localhost"), "create a signature");
  return sig_ptr(s);
}

std::string oid_string(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
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
