#pragma once
// `sdlc-actors land`: done stories through the landing lane, outside a run,
// one batch after another until nothing more can land.
#include "runtime/land/lane.hpp"
#include "runtime/story/board.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace sdlc {

struct land_options {
  std::vector<std::string> ids; // empty: every done story with a branch that has not landed
  bool dry_run = false;         // the order, the batches, the conflicts; nothing tested or moved
};

struct land_report {
  std::string base;           // the branch stories land on
  bool pull_requests = false; // through GitHub pull requests (merge.target)
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
