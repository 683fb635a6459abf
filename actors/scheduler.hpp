#pragma once
#include "actors/actors.hpp"
#include "runtime/api/budget.hpp"
#include "runtime/schedule/scheduler_core.hpp"
#include "runtime/story/board.hpp"

#include <caf/fwd.hpp>

namespace sdlc {

struct scheduler_options {
  bool fail_fast = false;      // stop starting stories after the first failure
  bool keep_worktrees = false; // keep done stories' worktrees (default: remove, keep the branch)
  bool write_blocks = true;    // mark dependents of a failed story blocked in their files
  budget_limits budget;        // the run's limits.maxCostUsd.run
};

// `coordinator` gets (atoms::done, exit code) when nothing runs and nothing can start.
scheduler_actor spawn_scheduler(caf::actor_system& sys, caf::actor coordinator, board b,
                                scheduler_core core, supervisor_actor supervisor,
                                status_actor status, scheduler_options opts);

} // namespace sdlc
