#include "runtime/git/worktree_creation.hpp"

#include "runtime/git/worktree_ownership.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

stdfs::path journal_entry(const stdfs::path& common_dir, const std::string& name) {
  return common_dir / "sdlc-actors-adding" / name;
}

// libgit2 writes a worktree's `.git` file in place (open with O_EXCL, then
// write): a kill between the two leaves it empty or cut short. What it holds
// then is the start of the link into `metadata`, and the folder is still ours.
bool torn_link_into(const stdfs::path& folder, const stdfs::path& metadata) {
  std::error_code ec;
  if (!stdfs::is_regular_file(stdfs::symlink_status(folder / ".git", ec))) return false;
  std::string text;
  try {
    text = fs::read_file(folder / ".git", 4096);
  } catch (const std::exception&) {
    return false;
  }
  for (const auto& m : {metadata, canonical_or_same(metadata)})
    for (const char* end : {"/\n", "\n"})
      if (("gitdir: " + m.string() + end).rfind(text, 0) == 0) return true;
  return false;
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
    // Written in place too (see torn_link_into): cut short, it is the start
    // of the path to this folder's .git.
    bool torn = false;
    for (const auto& f : {folder, canonical_or_same(folder)})
      torn = torn || ((f / ".git").string() + "\n").rfind(text, 0) == 0;
    if (!torn && canonical_or_same(linked) != canonical_or_same(folder / ".git"))
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
