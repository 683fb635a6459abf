#pragma once
// The scheduler's state and the pieces its two files share (scheduler.cpp:
// starting stories, their ends, landing, budget, conflicts; scheduler_watch.cpp:
// run --watch, what a look at the board picks up). Internal to the scheduler:
// nothing else includes it.
#include "actors/scheduler.hpp"
#include "runtime/schedule/file_overlaps.hpp"
#include "runtime/schedule/watch_pickup.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace sdlc::scheduler_detail {

struct scheduler_state {
  coordinator_actor coordinator;
  std::unique_ptr<board> the_board;
  std::unique_ptr<scheduler_core> core;
  supervisor_actor supervisor;
  status_actor status;
  scheduler_options opts;
  bool interrupted = false;
  bool any_failed = false;
  bool reported = false;
  std::map<std::string, std::string> told_waiting; // last "waiting" reason sent per story
  double run_cost = 0;
  std::optional<std::string> budget_stop; // why no more stories start
  bool polling = false;                   // a poll of held stories is scheduled
  // run --watch: each ended story's file as it was when it ended, and the
  // last problem the board had (said once, not every look).
  std::map<std::string, file_stamp> ended_stamp;
  std::string watch_problem;
  std::optional<board_listing> watched; // the board as of the last plan
  merge_queue_actor lane;               // with opts.land
  std::set<std::string> landing;        // done stories the lane has not answered for
  std::set<std::string> not_landed;     // waiting to land when the run ended (exit 1)
  // conflicts.policy serialize or warn: what each story touches, as last seen.
  std::optional<file_overlaps> overlaps;
  static inline const char* name = "scheduler";
};

using scheduler_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

// A note about `story` (or the run, when empty) to the status.
void note(scheduler_ptr self, const std::string& story, const std::string& text);
// Starts what can start, tells what waits and why, and ends the run when
// nothing runs and nothing can start.
void step(scheduler_ptr self);
// A story's files are known anew (`joining`: it joins the run now).
void on_story_files(scheduler_ptr self, story_files files, bool joining);
// run --watch: remember how an ended story's file was, and look at the board.
void remember_end(scheduler_ptr self, const std::string& id);
void watch_board(scheduler_ptr self);

} // namespace sdlc::scheduler_detail
