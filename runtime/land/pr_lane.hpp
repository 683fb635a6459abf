#pragma once
// The landing lane for GitHub: each story's pull request is opened (stacked on
// a dependency's branch while that has not landed) and merged by GitHub once
// its checks pass — `gh pr checks` is asked again every
// merge.checksPollingInterval, up to merge.checksTimeout. A PR whose checks
// fail goes back to rework like a red batch of the local lane; the rework is
// pushed to the same PR. Dependents merge after their dependencies.
#include "runtime/land/lane.hpp"

#include <chrono>
#include <map>

namespace sdlc {

class pr_lane : public lane {
public:
  // Lands into the branch the main checkout has checked out (the PRs' base).
  pr_lane(board& b, bool dry_run);

  const std::string& base() const override { return base_; }
  void add(const story& s) override;
  std::vector<landed_story> step(std::ostream& out) override;
  bool idle() const override { return !more_; }
  const std::optional<std::string>& stopped() const override { return stopped_; }
  std::set<std::string> pending() const override { return pending_; }
  const std::vector<std::vector<std::string>>& batches() const override { return batches_; }
  const std::vector<std::string>& notes() const override { return notes_; }
  bool opens_pull_requests() const override { return true; }
  std::chrono::milliseconds poll_after() const override { return poll_after_; }
  std::vector<std::pair<std::string, std::string>> take_opened() override {
    return std::exchange(opened_, {});
  }

private:
  // What stops `s` now: a dependency still in this lane (nullopt: go on), or
  // one that cannot land (the reason; the story waits outside the lane).
  std::optional<std::string> held_by(const story& s, bool* in_lane) const;
  std::vector<std::string> in_order() const;
  void open_story(const std::string& id, std::ostream& out, std::vector<landed_story>& ended);
  void merge_story(const std::string& id, std::ostream& out, std::vector<landed_story>& ended);
  // `e` ended its landing: out of the lane.
  void end(std::vector<landed_story>& ended, landed_story e);

  board& board_;
  bool dry_run_;
  std::string base_;
  std::set<std::string> pending_;
  std::set<std::string> pushed_;     // pushed in this lane (a rework updates its PR)
  std::set<std::string> dry_landed_; // a dry run's: as if landed, for their dependents
  std::map<std::string, std::chrono::steady_clock::time_point> waiting_since_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<std::string> notes_;
  std::optional<std::string> stopped_;
  bool more_ = false;
  bool moved_ = false;
  std::chrono::milliseconds poll_after_{0};
  std::vector<std::pair<std::string, std::string>> opened_;
};

} // namespace sdlc
