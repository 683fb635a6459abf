#pragma once
// ai-sdlc's step mode: a bare `run`, `run --story <id>` and `run --step
// <phase>` do one action — the board's recommended one — instead of whole
// workflows. Which action that is, and when a run is in step mode at all,
// are decided here without I/O.
#include "runtime/story/board.hpp"
#include "runtime/workflow/next_action.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct recommended_action {
  std::string id;
  action_type action = action_type::none;
  std::string reason;
};

// Every story's next agent action, in ai-sdlc's order (its assessState):
// in-progress before ready before backlog, then by priority, then by id.
// Stories done, blocked, waiting for a person, or depending on a story not
// done have none, and are left out.
std::vector<recommended_action> recommended_actions(const board_scan& scan,
                                                    const workflow_limits& limits);

// The run flags that decide between step mode and whole workflows.
struct run_mode_flags {
  std::size_t stories = 0; // --story (and --batch) ids
  bool auto_ = false;
  bool whole_runs = false; // --concurrent, --continue, --epic, --batch, --config,
                           // --include-backlog, --watch, --node: sdlc-actors' whole workflows
  std::optional<std::string> step; // --step <phase>
};

struct run_mode {
  bool one_action = false;         // one action per story, as ai-sdlc without --auto
  std::optional<action_type> step; // only stories whose next action is this
};

// ai-sdlc's rules: no --auto and at most one story is one action; --step P
// keeps the stories whose next action is P (one of them, or with --auto every
// one, an action each). Throws bad_input for an unknown phase, for --auto
// --story with --step (refused by ai-sdlc too) and for --step with the flags
// of whole runs.
run_mode run_mode_of(const run_mode_flags& f);

} // namespace sdlc
