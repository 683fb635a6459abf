#pragma once
// Owns the actor system for one `run`: starts the API gateway, runs the
// selected stories' actors (one after another in this version), prints their
// progress as plain lines, and turns the outcome into an exit code.
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct run_options {
  std::filesystem::path project;
  std::vector<std::string> story_ids; // empty with `all`: every unfinished story
  bool all = false;
  bool resume = false; // --continue: the stories with an interrupted checkpoint
  bool use_worktree = false;
  bool force = false;
};

// Exit code: 0 all done, 1 some failed or blocked, 130 interrupted (SIGINT/SIGTERM).
int run_stories(const run_options& opts, std::ostream& out);

} // namespace sdlc
