#pragma once
// Which worktree folders sdlc-actors may delete: only those it provably made
// for this repository. Every worktree it creates gets a marker file naming
// the repository, the worktree and its branch; a folder counts as ours when
// the marker names this repository *and* the folder's `.git` link points into
// this repository's worktree metadata. Everything else under
// worktree.basePath — a user's notes, another clone's worktrees sharing the
// path, a worktree the user added by hand — is left alone.
//
// Ours is not enough to delete: a folder with uncommitted or untracked work
// is kept unless the caller forces it (docs/reliability.md, "hostile input").
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sdlc::git {

// The marker's name inside a worktree folder (kept out of commits through the
// repository's info/exclude).
constexpr const char* worktree_marker_name = ".sdlc-actors-worktree";

struct worktree_marker {
  std::filesystem::path repository; // the common git dir, canonical
  std::string name;                 // the worktree's name in git's metadata
  std::string branch;
};

// `p` canonical (as far as it exists), without a trailing separator: libgit2
// and git write both.
std::filesystem::path canonical_or_same(const std::filesystem::path& p);

// git's metadata of the linked worktree `name` (`git worktree add` makes it,
// and the worktree's `.git` file points at it).
std::filesystem::path worktree_metadata_dir(const std::filesystem::path& common_dir,
                                            const std::string& name);

// Where a worktree folder's `.git` file ("gitdir: <path>") points, canonical;
// nullopt when `.git` is no such file.
std::optional<std::filesystem::path> gitdir_link(const std::filesystem::path& folder);

// Writes the marker into `folder` (a worktree of the repository whose common
// git dir is `common_dir`).
void write_worktree_marker(const std::filesystem::path& folder,
                           const std::filesystem::path& common_dir, const std::string& name,
                           const std::string& branch);

std::optional<worktree_marker> read_worktree_marker(const std::filesystem::path& folder);

// The marker, when `folder` is a worktree sdlc-actors made for the repository
// whose common git dir is `common_dir`: its marker names that repository and
// its `.git` file links into `<common_dir>/worktrees/`.
std::optional<worktree_marker> owned_worktree(const std::filesystem::path& folder,
                                              const std::filesystem::path& common_dir);

// Changed, staged or untracked (not ignored) files of a registered worktree.
std::vector<std::string> unsaved_files(const std::filesystem::path& worktree);

// Files of a folder whose git metadata is gone that differ from the tip of
// `branch` (changed, added or missing); the marker and the `.git` link do not
// count. Every file counts when the branch is gone (its work would be lost).
std::vector<std::string> orphan_differences(const std::filesystem::path& folder,
                                            const std::filesystem::path& project_root,
                                            const std::string& branch);

} // namespace sdlc::git
