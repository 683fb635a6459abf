#pragma once
// The landing lane, one batch at a time (plain C++: `land` drives it in a
// loop, the run's merge_queue actor one step per message). The order and the
// bisection are landing_queue's, the git work land_merge's, the checks
// land_checks'; this connects them to the board: it writes `merged_at` and
// `merge_sha` (ai-sdlc's names) into each landed story, and sends a story
// that conflicts or fails the checks back to rework with the reason as its
// review's finding (counted against reviewConfig.maxRetries; past it, blocked).
#include "runtime/git/remote_sync.hpp"
#include "runtime/land/land_merge.hpp"
#include "runtime/land/lane.hpp"
#include "runtime/land/landing_queue.hpp"
#include "runtime/story/board.hpp"

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdlc {

class landing_lane : public lane {
public:
  // Lands on the branch the main checkout has checked out. Throws bad_input
  // for a detached HEAD, a branch without a commit, merge.strategy rebase.
  landing_lane(board& b, bool dry_run);

  const std::string& base() const override { return base_; }
  // A done story with a branch waits to land (its dependencies that have not
  // landed land first).
  void add(const story& s) override;
  // Merges, tests and lands (or bisects) the next batch; the stories whose
  // landing ended in it. Progress lines go to `out`.
  std::vector<landed_story> step(std::ostream& out) override;
  // Nothing can be tested now (as of the last step): empty, waiting for
  // dependencies, or stopped.
  bool idle() const override { return !more_; }
  // Set when the base branch could not move (the user's uncommitted change
  // in the way): the lane stops until that is resolved.
  const std::optional<std::string>& stopped() const override { return stopped_; }
  std::set<std::string> pending() const override { return pending_; }
  int test_runs() const override { return dry_run_ ? 0 : queue_.tests_run(); }
  const std::vector<std::vector<std::string>>& batches() const override { return batches_; }
  // What the lane repaired when it opened (an interrupted landing).
  const std::vector<std::string>& notes() const override { return notes_; }

private:
  land_candidate candidate_of(const story& s) const;
  landed_story send_back(const std::string& id, land_result why, const std::string& finding);
  std::vector<landed_story> culprits(std::ostream& out);
  std::vector<landed_story> step_once(std::ostream& out);
  void push_base(std::ostream& out);
  void tidy(const std::string& id, std::ostream& out);
  std::string conflict_finding(const std::string& id, const std::string& files);

  board& board_;
  bool dry_run_;
  std::string base_;
  std::string board_mark_; // what a landing check's processes carry (leftover_agents)
  std::string tip_;
  git::merge_strategy strategy_;
  landing_queue queue_;
  std::map<std::string, story> stories_;
  std::set<std::string> pending_;
  std::map<std::string, std::string> last_failure_; // id -> the failure of a red batch it was in
  std::vector<std::vector<std::string>> batches_;
  std::vector<std::string> landed_; // by this lane, in order
  std::optional<std::string> stopped_;
  bool more_ = false;
  std::vector<std::string> notes_;
};

} // namespace sdlc
