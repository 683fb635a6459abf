#pragma once
// Worktree lifecycle and leftovers: removes done stories' worktrees (or just
// enough of them, oldest first, to stay within worktree.maxCount /
// maxAgeDays / maxTotalSizeMb), prunes git's metadata of deleted worktree
// folders, removes worktree folders git no longer knows and worktrees of
// stories no longer on the board, clears story fields that point at missing
// worktrees, stale lock files and dead agent pids in checkpoints, and stops
// what a killed run left running (leftover_agents). Says what it
// did; touches nothing else. `cleanup` runs it all; `run` reconciles at start.
//
// It deletes only what sdlc-actors provably made for this repository
// (runtime/git/worktree_ownership.hpp), and never a folder with unsaved work
// unless `force`: other folders under worktree.basePath are not its business.
#include "runtime/story/board.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sdlc {

struct cleanup_options {
  bool dry_run = false;
  bool force = false;       // also remove our worktrees that hold unsaved work
  bool remove_done = false; // every done story's worktree (cleanup), else only to meet the limits
  int room_for = 0;         // worktrees about to be made (a run's new stories)
  // What a killed run left running, when no live run holds the board
  // (`cleanup`; a run stops them itself, before its cleanup).
  bool stop_leftovers = false;
};

struct cleanup_action {
  std::string verb;   // remove | prune | clear | stop
  std::string object; // e.g. "worktree", "stale worktree metadata"
  std::string what;   // the path, story or lock
  bool done = true;   // false: reported, left (e.g. uncommitted changes)
  std::string note;
  // "removed worktree" (what was done, or would be with a dry run).
  std::string kind() const;
};

// One line of output: "removed worktree: <what> — <note>", "would remove …"
// on a dry run, "kept worktree: …" when it was left.
std::string describe(const cleanup_action& a, bool dry_run);

struct worktree_usage {
  std::string name;
  std::filesystem::path path;
  std::string story_id; // "" when no story on the board owns it
  bool done = false;
  int64_t bytes = 0;
  double age_days = 0;
};

struct cleanup_report {
  std::vector<cleanup_action> actions;
  std::vector<worktree_usage> remaining; // the worktrees left, measured once
};

cleanup_report cleanup_board(board& b, const cleanup_options& o);
// The same over the stories of a scan already made (a run start reads the
// board once).
cleanup_report cleanup_board(board& b, const cleanup_options& o, const std::vector<story>& stories);

std::vector<worktree_usage> worktree_usages(const board& b);

// Throws bad_input when starting `new_worktrees` more would break
// worktree.maxCount or maxTotalSizeMb, given the worktrees left by cleanup.
void require_worktree_room(const board& b, int new_worktrees,
                           const std::vector<worktree_usage>& remaining);

} // namespace sdlc
