#include "runtime/schedule/run_shape.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

run_shape shape_run(const run_shape_request& r, const config& cfg) {
  if (r.max_concurrent && !r.epic)
    throw bad_input("--max-concurrent goes with --epic (as in ai-sdlc); for other runs use "
                    "--concurrent N");
  run_shape s;
  // ai-sdlc's --epic runs epic.maxConcurrent at once unless told otherwise.
  s.concurrency =
      r.concurrent.value_or(r.max_concurrent.value_or(r.epic ? cfg.epic.max_concurrent : 1));
  if (s.concurrency < 1 || s.concurrency > cfg.max_concurrent)
    throw bad_input(
        fmt::format("{} {}: use 1 to {} (limits.maxConcurrent)",
                    r.concurrent || !r.max_concurrent ? "--concurrent" : "--max-concurrent",
                    s.concurrency, cfg.max_concurrent));
  s.keep_worktrees = r.keep_worktrees || (r.epic && cfg.epic.keep_worktrees);
  s.fail_fast = r.fail_fast || (r.epic && !cfg.epic.continue_on_failure);
  // A story's work has its own tree when several run (they would share one
  // checkout otherwise), or on a node.
  const bool must = s.concurrency > 1 || r.on_nodes;
  if (r.no_worktree && must)
    throw bad_input(fmt::format(
        "--no-worktree: {} each need a worktree of their own; drop --no-worktree, or run one "
        "story at a time (--concurrent 1)",
        r.on_nodes ? "stories on worker nodes" : "stories run at once"));
  s.use_worktree = must || (!r.no_worktree && (r.worktree || cfg.worktree_enabled));
  return s;
}

} // namespace sdlc
