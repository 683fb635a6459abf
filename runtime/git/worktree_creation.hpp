#pragma once
// A worktree add that a kill interrupts leaves git's metadata half written:
// `<common>/worktrees/<name>` without its gitdir file (git_worktree_lookup
// fails, and every later add of the name fails with "directory exists"), or a
// registered worktree whose checkout stopped half way (it validates, but files
// are missing and its marker was never written). Neither holds anyone's work —
// no agent runs in a worktree before its add returns — so an interrupted add is
// undone and redone. What tells an interrupted add from a worktree someone else
// made is a journal entry written before the add and removed after its marker:
// `<common>/sdlc-actors-adding/<name>`, naming the folder, and locked by its
// adder while it lives (the kernel drops the lock of a killed one).
#include <chrono>
#include <filesystem>
#include <string>

struct git_worktree;

namespace sdlc::git {

// An add of worktree `name` at `folder` in progress, from its journal entry
// (written atomically here) to finish(). The entry stays locked (flock) while
// this object lives: the add's checkout runs outside the repository's worktree
// lock, and another adder of the same name (a second process) must wait for
// it rather than take it for a killed add and undo it. Dropped without
// finish(), on a failure, the entry stays for undo_interrupted_add, as after
// a kill.
class worktree_add_in_progress {
public:
  worktree_add_in_progress(const std::filesystem::path& common_dir, std::string name,
                           const std::filesystem::path& folder);
  ~worktree_add_in_progress();
  worktree_add_in_progress(const worktree_add_in_progress&) = delete;
  worktree_add_in_progress& operator=(const worktree_add_in_progress&) = delete;

  // Forgets the entry: the worktree is whole (checked out and marked).
  void finish();

private:
  std::filesystem::path common_dir_;
  std::string name_;
  int fd_ = -1;
};

// Begins an add (the tests drop the result to leave what a kill leaves).
inline worktree_add_in_progress begin_worktree_add(const std::filesystem::path& common_dir,
                                                   const std::string& name,
                                                   const std::filesystem::path& folder) {
  return worktree_add_in_progress(common_dir, name, folder);
}

// A new worktree's files and index, which `git_worktree_add` was told to
// leave out (GIT_CHECKOUT_NONE) so that its caller can check out after
// releasing the worktree lock. `filters`: checkout_needs_filters.
void check_out_new_worktree(git_worktree* wt, bool filters);

// When an add of `name` began and never finished, removes what it left — git's
// metadata for `name` and the folder it recorded — and the record; returns
// whether there was one. A folder whose `.git` links elsewhere, or metadata
// naming another folder, is not ours: a failure says what to move away. An add
// still in progress in another process is waited for (up to `wait`), not undone.
bool undo_interrupted_add(const std::filesystem::path& common_dir, const std::string& name,
                          std::chrono::milliseconds wait = std::chrono::seconds(60));

// Whether an add of `name` that began (its journal entry is there) lost git's
// metadata on the way: its gitdir, commondir or HEAD file is missing.
// `git worktree prune` (which `git gc` runs) deletes metadata it finds
// without a gitdir file, and libgit2 writes that file only after making the
// metadata folder, so a prune in that moment deletes what the add has
// written while the add goes on writing. Such an add is worth making again;
// any other failure is reported as it is.
bool add_lost_its_metadata(const std::filesystem::path& common_dir, const std::string& name);

} // namespace sdlc::git
