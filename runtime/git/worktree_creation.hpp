#pragma once
// A worktree add that a kill interrupts leaves git's metadata half written:
// `<common>/worktrees/<name>` without its gitdir file (git_worktree_lookup
// fails, and every later add of the name fails with "directory exists"), or a
// registered worktree whose checkout stopped half way (it validates, but files
// are missing and its marker was never written). Neither holds anyone's work —
// no agent runs in a worktree before its add returns — so an interrupted add is
// undone and redone. What tells an interrupted add from a worktree someone else
// made is a journal entry written before the add and removed after its marker:
// `<common>/sdlc-actors-adding/<name>`, naming the folder.
#include <filesystem>
#include <string>

namespace sdlc::git {

// Records that the add of worktree `name` at `folder` begins (atomically).
void begin_worktree_add(const std::filesystem::path& common_dir, const std::string& name,
                        const std::filesystem::path& folder);

// Forgets the record: the worktree is whole (checked out and marked).
void finish_worktree_add(const std::filesystem::path& common_dir, const std::string& name);

// When an add of `name` began and never finished, removes what it left — git's
// metadata for `name` and the folder it recorded — and the record; returns
// whether there was one. A folder whose `.git` links elsewhere, or metadata
// naming another folder, is not ours: a failure says what to move away.
bool undo_interrupted_add(const std::filesystem::path& common_dir, const std::string& name);

} // namespace sdlc::git
