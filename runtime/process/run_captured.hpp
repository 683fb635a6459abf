#pragma once
// A short-lived command whose output we need whole (the landing checks, `gh`):
// run it in its own process group, collect stdout and stderr, kill the group
// when it outlives `timeout`. Blocking: call it from a detached actor or the CLI.
#include "runtime/process/child_process.hpp"

#include <chrono>
#include <string>

namespace sdlc {

struct captured_run {
  process_exit exit;
  bool timed_out = false;
  std::string out;      // stdout
  std::string err;      // stderr
  std::string combined; // both, line by line in the order they were read
  bool ok() const { return !timed_out && exit.exit_code == 0 && exit.signal == 0; }
};

// Throws sdlc::error when the program cannot be started (not on PATH, ...).
// A zero timeout waits as long as it takes.
captured_run run_captured(const spawn_spec& spec, std::chrono::milliseconds timeout);

} // namespace sdlc
