#include "runtime/git/worktree_creation.hpp"

#include "runtime/git/worktree_ownership.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

stdfs::path journal_entry(const stdfs::path& common_dir, const std::string& name) {
  return common_dir / "sdlc-actors-adding" / name;
}

// libgit2 writes a worktree's `.git` file and its metadata's `gitdir` in
// place (open with O_EXCL, then write): a kill between the two leaves the file
// empty or cut short. What it holds then is the start of what libgit2 meant
// to write, one of `whole`.
bool is_start_of_one(const std::string& text, const std::vector<std::string>& whole) {
  for (const auto& w : whole)
    if (w.rfind(text, 0) == 0) return true;
  return false;
}

// A `.git` link into `metadata`, torn: the folder is still ours.
bool torn_link_into(const stdfs::path& folder, const stdfs::path& metadata) {
  std::error_code ec;
  if (!stdfs::is_regular_file(stdfs::symlink_status(folder / ".git", ec))) return false;
  std::string text;
  try {
    text = fs::read_file(folder / ".git", 4096);
  } catch (const std::exception&) {
    return false;
  }
  std::vector<std::string> whole;
  for (const auto& m : {metadata, canonical_or_same(metadata)})
    for (const char* end : {"/\n", "\n"})
      whole.push_back("gitdir: " + m.string() + end);
  return is_start_of_one(text, whole);
}

// The metadata's `gitdir`, torn: it was to name this folder's `.git`.
bool torn_gitdir_of(const std::string& text, const stdfs::path& folder) {
  return is_start_of_one(text, {(folder / ".git").string() + "\n",
                                (canonical_or_same(folder) / ".git").string() + "\n"});
}

// The folder is ours to delete when it is what libgit2 began there: nothing,
// or a `.git` link into the metadata being undone, whole or torn (plus
// checked-out files).
void require_ours(const stdfs::path& folder, const stdfs::path& metadata) {
  if (!stdfs::exists(folder / ".git")) {
    if (stdfs::is_empty(folder)) return;
    throw failure(fmt::format("{} was being made a worktree when a run was killed, but it holds "
                              "files and no .git link; move it away and run again",
                              folder.string()));
  }
  if (gitdir_link(folder) != canonical_or_same(metadata) && !torn_link_into(folder, metadata))
    throw failure(fmt::format("{} was being made a worktree when a run was killed, but its .git "
                              "links to another repository; move it away and run again",
                              folder.string()));
}

} // namespace

void begin_worktree_add(const stdfs::path& common_dir, const std::string& name,
                        const stdfs::path& folder) {
  auto entry = journal_entry(common_dir, name);
  stdfs::create_directories(entry.parent_path());
  fs::atomic_write(entry, folder.string() + "\n");
}

void finish_worktree_add(const stdfs::path& common_dir, const std::string& name) {
  auto entry = journal_entry(common_dir, name);
  stdfs::remove(entry);
  std::error_code ec; // the journal folder goes when empty; another add may be using it
  stdfs::remove(entry.parent_path(), ec);
}

bool undo_interrupted_add(const stdfs::path& common_dir, const std::string& name) {
  auto entry = journal_entry(common_dir, name);
  if (!stdfs::exists(entry)) return false;
  stdfs::path folder = trim(fs::read_file(entry, 4096));
  auto metadata = common_dir / "worktrees" / name;
  if (stdfs::exists(metadata / "gitdir")) {
    const auto text = fs::read_file(metadata / "gitdir", 4096);
    const auto linked = trim(text);
    if (!torn_gitdir_of(text, folder) &&
        canonical_or_same(linked) != canonical_or_same(folder / ".git"))
      throw failure(fmt::format("the worktree metadata {} names {}, not {}; run `git worktree "
                                "prune` or remove it, then run again",
                                metadata.string(), linked, folder.string()));
  }
  if (stdfs::exists(folder)) {
    require_ours(folder, metadata);
    stdfs::remove_all(folder);
  }
  stdfs::remove_all(metadata);
  finish_worktree_add(common_dir, name);
  return true;
}

} // namespace sdlc::git
