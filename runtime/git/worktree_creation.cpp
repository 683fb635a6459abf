#include "runtime/git/worktree_creation.hpp"

#include "runtime/git/repository.hpp"
#include "runtime/git/worktree_ownership.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
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

// The entry goes, then its folder when empty: another add may be using it.
void remove_entry(const stdfs::path& common_dir, const std::string& name) {
  auto entry = journal_entry(common_dir, name);
  stdfs::remove(entry);
  std::error_code ec;
  stdfs::remove(entry.parent_path(), ec);
}

} // namespace

worktree_add_in_progress::worktree_add_in_progress(const stdfs::path& common_dir, std::string name,
                                                   const stdfs::path& folder)
    : common_dir_(common_dir), name_(std::move(name)) {
  auto entry = journal_entry(common_dir_, name_);
  // An add finishing outside the worktree lock removes the journal folder
  // when it empties, possibly between our making it and writing in it.
  for (int attempt = 1;; ++attempt) {
    stdfs::create_directories(entry.parent_path());
    try {
      fs::atomic_write(entry, folder.string() + "\n");
      break;
    } catch (const error&) {
      if (attempt == 3 || stdfs::exists(entry.parent_path())) throw;
    }
  }
  // Nobody else can hold it: it is new, and undo only looks under the worktree lock we hold.
  fd_ = ::open(entry.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  const auto reason = std::string(std::strerror(errno));
  if (fd_ >= 0) ::close(fd_); // a throwing constructor runs no destructor
  throw failure(fmt::format("cannot lock the worktree journal entry {}: {}; run again (the next "
                            "add undoes this one)",
                            entry.string(), reason));
}

worktree_add_in_progress::~worktree_add_in_progress() {
  if (fd_ >= 0) ::close(fd_);
}

void worktree_add_in_progress::finish() {
  remove_entry(common_dir_, name_); // still locked: a waiter then finds it gone
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// A new worktree's files and index (git_worktree_add left them out). The
// folder holds only its .git link, so nothing is there to keep: forced.
void check_out_new_worktree(git_worktree* wt, bool filters) {
  git_repository* raw = nullptr;
  check(git_repository_open_from_worktree(&raw, wt), "open the new worktree");
  repo_ptr repo(raw);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE;
  opts.disable_filters = !filters;
  check(git_checkout_head(repo.get(), &opts), "check out the new worktree");
}

bool undo_interrupted_add(const stdfs::path& common_dir, const std::string& name,
                          std::chrono::milliseconds wait) {
  auto entry = journal_entry(common_dir, name);
  const int fd = ::open(entry.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_it{fd};
  // Locked: its adder lives and is checking the worktree out. Wait for it.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw failure(fmt::format("the worktree {} is still being made by another process after {} "
                                "ms ({} is locked); let it finish, or stop it and run again",
                                name, wait.count(), entry.string()));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!fs::same_file(fd, entry)) return false; // it finished while we waited
  stdfs::path folder = trim(fs::read_file(entry, 4096));
  auto metadata = worktree_metadata_dir(common_dir, name);
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
  remove_entry(common_dir, name);
  return true;
}

bool add_lost_its_metadata(const stdfs::path& common_dir, const std::string& name) {
  if (!stdfs::exists(journal_entry(common_dir, name))) return false;
  const auto metadata = worktree_metadata_dir(common_dir, name);
  for (const char* file : {"gitdir", "commondir", "HEAD"})
    if (!stdfs::exists(metadata / file)) return true;
  return false;
}

} // namespace sdlc::git
