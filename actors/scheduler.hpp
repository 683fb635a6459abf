#pragma once
#include "actors/actors.hpp"
#include "actors/story_supervisor.hpp"
#include "runtime/api/budget.hpp"
#include "runtime/schedule/conflict_scan.hpp"
#include "runtime/schedule/run_plan.hpp"
#include "runtime/schedule/scheduler_core.hpp"
#include "runtime/story/board.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <optional>

namespace sdlc {

struct scheduler_options {
  bool fail_fast = false;   // stop starting stories after the first failure
  bool write_blocks = true; // mark dependents of a failed story blocked in their files
  budget_limits budget;     // the run's limits.maxCostUsd.run
  // conflicts.policy serialize: stories with a high-severity overlap never
  // run at once; `conflicts` holds what each story touched at the start and is
  // re-checked after each implement/rework.
  bool serialize_conflicts = false;
  std::optional<conflict_scan> conflicts;
  // run --watch: the selection is looked at again every `watch_every`, and
  // the run ends only when stopped (Ctrl-C).
  std::optional<run_selection> watch;
  std::chrono::milliseconds watch_every{5000};
  // merge.enabled / run --land: each done story goes to the run's landing
  // lane (a merge queue the scheduler owns); one sent back reworks in this
  // run, and the run is not over while a story waits to land.
  bool land = false;
  // The scheduler owns the supervisor that runs its stories.
  story_factory make_story;
  restart_policy restarts;
};

// `coordinator` gets (atoms::done, exit code) when nothing runs and nothing
// can start; `status` every event worth showing.
scheduler_actor spawn_scheduler(caf::actor_system& sys, coordinator_actor coordinator, board b,
                                scheduler_core core, status_actor status, scheduler_options opts);

} // namespace sdlc
