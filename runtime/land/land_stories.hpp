#pragma once
// `sdlc-actors land`: done stories through the landing lane, outside a run.
// The lane's order and batches come from landing_queue, the git work from
// land_merge, the build and tests from land_checks; this drives them one
// batch at a time and writes what happened into each story.
#include "runtime/story/board.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace sdlc {

struct land_options {
  std::vector<std::string> ids; // empty: every done story with a branch that has not landed
  bool dry_run = false;         // the order, the batches, the conflicts; nothing tested or moved
};

enum class land_result { landed, conflict, red, waiting };
std::string_view to_string(land_result r);

struct landed_story {
  std::string id;
  land_result result = land_result::waiting;
  std::string commit; // landed: its commit on the base branch
  std::string detail; // conflict: the files; red: the failing check; waiting: why
};

struct land_report {
  std::string base; // the branch stories land on
  std::vector<landed_story> stories;
  int test_runs = 0;
  std::vector<std::vector<std::string>> batches; // as merged and tested, in order
};

// A story that conflicts or fails the checks goes back to rework with the
// reason as its review's finding (counted against reviewConfig.maxRetries;
// past it, blocked). Throws bad_input for a story that cannot land (not done,
// no branch, landed already) or a detached HEAD.
land_report land_stories(board& b, const land_options& opts, std::ostream& progress);

} // namespace sdlc
