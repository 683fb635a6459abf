#pragma once
// What lands a done story: the local lane (landing_lane: merge, test and move
// the base branch here, in batches) or the pull-request lane (pr_lane: GitHub
// merges after its checks). `land` drives a lane in a loop, the run's
// merge_queue actor one step per message; open_lane picks by merge.target.
#include "runtime/story/board.hpp"

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include <utility>

namespace sdlc {

enum class land_result { landed, conflict, red, blocked, waiting };
std::string_view to_string(land_result r);

struct landed_story {
  std::string id;
  land_result result = land_result::waiting;
  std::string commit; // landed: its commit on the base branch
  std::string
      detail; // conflict: the files; red/blocked: the failing check; waiting: why; a PR's URL
};

class lane {
public:
  virtual ~lane() = default;
  virtual const std::string& base() const = 0;
  // A done story with a branch waits to land (its dependencies first).
  virtual void add(const story& s) = 0;
  // Moves the lane on by one step; the stories whose landing ended in it.
  // Progress lines go to `out`.
  virtual std::vector<landed_story> step(std::ostream& out) = 0;
  // Nothing can move now (as of the last step): empty, waiting for
  // dependencies, or stopped.
  virtual bool idle() const = 0;
  // Set when the lane cannot go on until a person acts (their uncommitted
  // change is in the way): why.
  virtual const std::optional<std::string>& stopped() const = 0;
  virtual std::set<std::string> pending() const = 0; // added, not ended
  virtual int test_runs() const { return 0; }
  virtual const std::vector<std::vector<std::string>>& batches() const = 0;
  virtual const std::vector<std::string>& notes() const = 0; // repaired on opening
  // How long to wait before the next step when the last one moved nothing
  // (a pull request's checks still running); zero: step at once.
  virtual std::chrono::milliseconds poll_after() const { return {}; }
  // The pull requests opened since the last call, (story, URL): each is
  // announced once (a notification, the journal).
  virtual std::vector<std::pair<std::string, std::string>> take_opened() { return {}; }
  // Lands through pull requests (merge.target github, or auto with a GitHub
  // remote) rather than merging locally: open_lane decided, once.
  virtual bool opens_pull_requests() const { return false; }
};

// Whether the story's work is on the base: landed by the local lane
// (merged_at) or its pull request merged (pr_merged, ai-sdlc's field).
bool has_landed(const story& s);

// The lane merge.target (or an `origin` on GitHub) asks for. Throws
// bad_input when it cannot open (detached HEAD, merge.strategy rebase locally).
std::unique_ptr<lane> open_lane(board& b, bool dry_run);

// The story goes back to rework with `finding` as its review's blocker
// (counted against reviewConfig.maxRetries; past it, blocked).
landed_story send_back_to_rework(board& b, const std::string& id, land_result why,
                                 const std::string& finding, bool dry_run);

} // namespace sdlc
