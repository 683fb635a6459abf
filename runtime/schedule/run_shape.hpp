#pragma once
// How many stories a run takes at once, and whether each gets its own
// worktree, from the flags (ours and ai-sdlc's), the batch file and the
// config. A pure decision: resolve_run only applies it.
#include "runtime/config/config.hpp"

#include <optional>

namespace sdlc {

struct run_shape_request {
  std::optional<int> concurrent;     // --concurrent, or the batch file's
  std::optional<int> max_concurrent; // --max-concurrent (ai-sdlc's, with --epic)
  bool epic = false;                 // --epic: epic.* applies
  bool worktree = false;             // --worktree
  bool no_worktree = false;          // --no-worktree
  bool keep_worktrees = false;       // --keep-worktrees (or the batch file)
  bool fail_fast = false;            // --fail-fast (or the batch file)
  bool on_nodes = false;             // some stories run on worker nodes
};

struct run_shape {
  int concurrency = 1;
  bool use_worktree = false;
  bool keep_worktrees = false;
  bool fail_fast = false;
};

// Throws bad_input naming the flag and what to do when the request cannot be
// met (out of range, --max-concurrent without --epic, --no-worktree with
// stories at once).
run_shape shape_run(const run_shape_request& r, const config& cfg);

} // namespace sdlc
