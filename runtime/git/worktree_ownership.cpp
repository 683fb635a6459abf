#include "runtime/git/worktree_ownership.hpp"

#include "runtime/git/repository.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unistd.h>

namespace sdlc::git {

namespace stdfs = std::filesystem;

// Canonical, without a trailing separator (libgit2 and git write both).
stdfs::path canonical_or_same(const stdfs::path& p) {
  std::error_code ec;
  auto c = stdfs::weakly_canonical(p, ec);
  auto out = (ec ? p : c).lexically_normal();
  return out.has_filename() ? out : out.parent_path();
}

// "gitdir: <path>" of a worktree's `.git` file; nullopt for anything else.
std::optional<stdfs::path> gitdir_link(const stdfs::path& folder) {
  std::error_code ec;
  auto dot_git = folder / ".git";
  if (!stdfs::is_regular_file(stdfs::symlink_status(dot_git, ec))) return std::nullopt;
  std::string text;
  try {
    text = fs::read_file(dot_git, 4096);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string prefix = "gitdir: ";
  if (text.rfind(prefix, 0) != 0) return std::nullopt;
  auto target = text.substr(prefix.size());
  while (!target.empty() &&
         (target.back() == '\n' || target.back() == '\r' || target.back() == '/'))
    target.pop_back();
  stdfs::path p = target;
  return canonical_or_same(p.is_absolute() ? p : folder / p);
}

namespace {

std::string value_of(const std::string& text, const std::string& key) {
  auto at = text.find("\n" + key + " ");
  if (at == std::string::npos) return {};
  auto start = at + key.size() + 2;
  auto end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The blob id git would store for the file at `p` (a link's target for a link).
std::optional<git_oid> blob_id_of(const stdfs::path& p) {
  git_oid oid;
  std::error_code ec;
  if (stdfs::is_symlink(p, ec)) {
    auto target = stdfs::read_symlink(p, ec).string();
    if (ec || git_odb_hash(&oid, target.data(), target.size(), GIT_OBJECT_BLOB) != 0)
      return std::nullopt;
    return oid;
  }
  if (git_odb_hashfile(&oid, p.c_str(), GIT_OBJECT_BLOB) != 0) return std::nullopt;
  return oid;
}

struct tree_files {
  std::map<std::string, git_oid> files; // path -> blob
};

int collect_blob(const char* root, const git_tree_entry* e, void* payload) {
  auto* out = static_cast<tree_files*>(payload);
  if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
    out->files[std::string(root) + git_tree_entry_name(e)] = *git_tree_entry_id(e);
  return 0;
}

} // namespace

void write_worktree_marker(const stdfs::path& folder, const stdfs::path& common_dir,
                           const std::string& name, const std::string& branch) {
  fs::atomic_write(folder / worktree_marker_name,
                   fmt::format("sdlc-actors worktree\nrepository {}\nname {}\nbranch {}\n",
                               canonical_or_same(common_dir).string(), name, branch));
}

std::optional<worktree_marker> read_worktree_marker(const stdfs::path& folder) {
  std::error_code ec;
  auto file = folder / worktree_marker_name;
  if (!stdfs::is_regular_file(stdfs::symlink_status(file, ec))) return std::nullopt;
  std::string text;
  try {
    text = "\n" + fs::read_file(file, 16 * 1024);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (text.rfind("\nsdlc-actors worktree\n", 0) != 0) return std::nullopt;
  worktree_marker m{value_of(text, "repository"), value_of(text, "name"), value_of(text, "branch")};
  if (m.repository.empty() || m.name.empty()) return std::nullopt;
  return m;
}

stdfs::path worktree_metadata_dir(const stdfs::path& common_dir, const std::string& name) {
  return common_dir / "worktrees" / name;
}

std::optional<worktree_marker> owned_worktree(const stdfs::path& folder,
                                              const stdfs::path& common_dir) {
  auto marker = read_worktree_marker(folder);
  if (!marker) return std::nullopt;
  const auto repo = canonical_or_same(common_dir);
  if (canonical_or_same(marker->repository) != repo) return std::nullopt;
  auto link = gitdir_link(folder);
  if (!link || *link != worktree_metadata_dir(repo, marker->name)) return std::nullopt;
  return marker;
}

std::vector<std::string> unsaved_files(const stdfs::path& worktree) {
  auto out = changed_paths(worktree, true);
  out.erase(std::remove(out.begin(), out.end(), std::string(worktree_marker_name)), out.end());
  return out;
}

std::vector<std::string> orphan_differences(const stdfs::path& folder,
                                            const stdfs::path& project_root,
                                            const std::string& branch) {
  tree_files expected;
  auto repo = open(project_root);
  git_reference* raw_ref = nullptr;
  const bool has_branch = !branch.empty() && git_branch_lookup(&raw_ref, repo.get(), branch.c_str(),
                                                               GIT_BRANCH_LOCAL) == 0;
  if (has_branch) {
    ref_ptr ref(raw_ref);
    git_commit* raw_commit = nullptr;
    check(git_commit_lookup(&raw_commit, repo.get(), git_reference_target(ref.get())),
          "look up " + branch);
    commit_ptr commit(raw_commit);
    git_tree* raw_tree = nullptr;
    check(git_commit_tree(&raw_tree, commit.get()), "read the tree of " + branch);
    tree_ptr tree(raw_tree);
    check(git_tree_walk(tree.get(), GIT_TREEWALK_PRE, collect_blob, &expected),
          "walk the tree of " + branch);
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::error_code ec;
  for (stdfs::recursive_directory_iterator it(folder, ec), end; it != end; it.increment(ec)) {
    if (ec) break;
    auto rel = it->path().lexically_relative(folder).generic_string();
    if (rel == ".git" || rel == worktree_marker_name) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec) && !it->is_symlink(ec)) continue;
    seen.insert(rel);
    auto want = expected.files.find(rel);
    auto have = blob_id_of(it->path());
    if (!has_branch || want == expected.files.end() || !have ||
        !git_oid_equal(&*have, &want->second))
      out.push_back(rel);
  }
  for (const auto& [path, oid] : expected.files)
    if (!seen.count(path)) out.push_back(path + " (deleted)");
  return out;
}

} // namespace sdlc::git
