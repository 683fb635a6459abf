#pragma once
// A run killed with SIGKILL cannot stop what it started: each agent (and a
// review's build or test command) leads its own process group, which outlives
// the run and may go on editing the story's worktree. Every such process
// carries the board it works for in its environment (SDLC_BOARD, beside
// SDLC_STORY_ID); so does each build and test command of the landing lane
// (beside SDLC_LANDING, its batch), which a killed `land` leaves running too. The next run, once it
// holds the board's run lock — so no live run of this board owns any of them —, stops every group
// so marked before a story starts: none of their edits can land after the interrupted action's
// edits are discarded. Found in /proc, not through a pid written to the checkpoint, so a run killed
// between a spawn and that write leaves nothing behind either. Sooner still,
// the killed run's guard stops them the moment it dies (run_guard); this is
// what is left when the guard was killed too.
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sdlc {

class board;

// What SDLC_BOARD holds for this board's processes: "<host>:<its folder>".
std::string board_mark(const board& b);
// The same for the board whose folder (.ai-sdlc) is `sdlc_dir`: a run's guard
// knows only that folder.
std::string board_mark_of(const std::filesystem::path& sdlc_dir);

// Stops group `pgid`, left running by an interrupted run for story `who`, and
// waits until it is gone: its edits are discarded next, and none may land
// after that. Returns the note saying so; throws sdlc::failure naming the
// group when it does not die. `what` the group is: "agent", "landing check".
std::string stop_left_over_group(pid_t pgid, const std::string& who,
                                 const std::string& what = "agent");

// The process groups marked with this board, each with its story.
struct leftover_group {
  pid_t pgid = 0;
  std::string story;          // "(no story)" when the mark carries none; a batch: "S-1, S-2"
  std::string what = "agent"; // or "landing check"
};
std::vector<leftover_group> find_leftover_agents(const board& b);
std::vector<leftover_group> find_leftover_agents(const std::string& mark);

// Stops every process group marked with this board; one note per group
// ("S-0001: stopped agent process group 123 left by an interrupted run").
// `run` and `land` call it.
// Call only while holding the board's run lock. Throws sdlc::failure naming a
// group that does not die.
std::vector<std::string> stop_leftover_agents(const board& b);

} // namespace sdlc
