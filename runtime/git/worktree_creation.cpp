#include "runtime/git/worktree_creation.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

stdfs::path journal_entry(const stdfs::path& common_dir, const std::string& name) {
  return common_dir / "sdlc-actors-adding" / name;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

bool same_path(const stdfs::path& a, const stdfs::path& b) {
  std::error_code ec;
  return stdfs::weakly_canonical(a, ec) == stdfs::weakly_canonical(b, ec);
}

// The folder is ours to delete when it is what libgit2 began there: nothing,
// or a `.git` link into the metadata being undone (plus checked-out files).
void require_ours(const stdfs::path& folder, const stdfs::path& metadata) {
  auto link = folder / ".git";
  if (!stdfs::exists(link)) {
    if (stdfs::is_empty(folder)) return;
    throw failure(fmt::format("{} was being made a worktree when a run was killed, but it holds "
                              "files and no .git link; move it away and run again",
                              folder.string()));
  }
  auto text = trimmed(fs::read_file(link, 4096));
  const std::string prefix = "gitdir: ";
  if (text.rfind(prefix, 0) != 0 || !same_path(text.substr(prefix.size()), metadata))
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
  stdfs::path folder = trimmed(fs::read_file(entry, 4096));
  auto metadata = common_dir / "worktrees" / name;
  if (stdfs::exists(metadata / "gitdir")) {
    auto linked = trimmed(fs::read_file(metadata / "gitdir", 4096));
    if (!same_path(linked, folder / ".git"))
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
