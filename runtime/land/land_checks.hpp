#pragma once
// The landing lane's build and tests: buildCommand, then testCommand, in the
// folder holding what is about to land, each in its own process group with
// its timeout (timeouts.buildTimeout / testTimeout).
#include "runtime/config/config.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace sdlc {

struct check_failure {
  std::string name;    // build | test
  std::string command; // as configured
  std::string how;     // "exit code 1", "timed out after 60 s", ...
  std::string output;  // the tail of what it printed
};

// Runs the configured checks in `dir`; the first failure, or nothing when all
// passed (or none is configured). Every output line goes to `log`.
std::optional<check_failure> run_land_checks(const config& cfg, const std::filesystem::path& dir,
                                             const std::function<void(const std::string&)>& log);

} // namespace sdlc
