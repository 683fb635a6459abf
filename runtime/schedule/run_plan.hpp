#pragma once
// Which stories a run takes, in what shape: the selection rules of `run`
// (explicit ids, --auto, --continue, the default ready + in-progress, batch
// file filters) turned into scheduler items, plus what was left out and why.
#include "runtime/schedule/scheduler_core.hpp"
#include "runtime/schedule/story_work.hpp"
#include "runtime/story/board.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct run_selection {
  std::vector<std::string> story_ids;
  bool all = false;                  // every unfinished story (backlog included)
  bool include_backlog = false;      // default selection plus backlog
  bool resume = false;               // stories with an interrupted checkpoint (or in progress)
  std::vector<std::string> labels;   // keep stories with any of these labels
  std::optional<std::string> epic;   // ai-sdlc's --epic: its unfinished stories (in_epic)
  std::vector<std::string> statuses; // instead of the default statuses
  std::map<std::string, long> priority_overrides;
};

struct run_plan {
  std::vector<schedule_item> items; // work = expected_work (actions × estimated effort)
  std::map<std::string, std::string> titles;
  std::map<std::string, std::filesystem::path> files; // each item's story file
  std::map<std::string, int> expected_actions;
  std::vector<std::pair<std::string, std::string>> skipped; // id, why
  // Story files the board cannot read: never silently left out of a run
  // that takes every story of a status (the run names them and exits 2).
  std::vector<board_problem> unreadable;
  // Values the plan could not use (an unknown estimated_effort): id, why.
  std::map<std::string, std::string> warnings;
};

// Throws bad_input when a selected story depends on one that is not on the
// board, or the board has unreadable stories among the selection.
run_plan make_run_plan(const board& b, const run_selection& sel);
// The same from a scan already made (a run start reads the board once).
run_plan make_run_plan(const board& b, const board_scan& scan, const run_selection& sel);

// Stories a run blocked because a dependency failed (`blocked_by`), whose
// dependency is now done or taken by `sel`, and which `sel` would take if
// they were not blocked: the run unblocks them before it plans, so a story
// does not stay blocked after what blocked it was fixed.
std::vector<std::string> dependency_blocks_to_lift(const board_scan& scan,
                                                   const run_selection& sel);

// Whether a story belongs to epic `epic` as ai-sdlc decides it: `epic: ID`
// or `epic: epic-ID` in its frontmatter, or a label matching `epic-ID` (a
// glob: `*` matches anything). `epic-ID` and `ID` name the same epic.
bool in_epic(const story& s, const std::string& epic);

// `run --dry-run`: the simulated schedule with `action_seconds` per action.
std::string describe_plan(const run_plan& plan, int capacity, double action_seconds);

} // namespace sdlc
