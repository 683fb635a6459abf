#pragma once
// The landing lane's build and tests: buildCommand, then testCommand, in the
// folder holding what is about to land, each in its own process group with
// its timeout (timeouts.buildTimeout / testTimeout).
#include "runtime/config/config.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

struct check_failure {
  std::string name;    // build | test
  std::string command; // as configured
  std::string how;     // "exit code 1", "timed out after 60 s", ...
  std::string output;  // the tail of what it printed
};

// What marks a check, so that the next run or `land` finds and stops one a
// killed `land` left running (runtime/workflow/leftover_agents).
struct check_mark {
  std::string board;   // SDLC_BOARD: board_mark() of the board landing
  std::string stories; // SDLC_LANDING: the batch's ids, comma-separated
};

// Runs the configured checks in `dir`; the first failure (with the tail of
// its output), or nothing when all passed (or none is configured).
std::optional<check_failure> run_land_checks(const config& cfg, const std::filesystem::path& dir,
                                             const check_mark& mark);

} // namespace sdlc
