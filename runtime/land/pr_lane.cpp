#include "runtime/land/pr_lane.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/land/pull_request.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace sdlc {

pr_lane::pr_lane(board& b, bool dry_run) : board_(b), dry_run_(dry_run) {
  base_ = git::current_branch(b.project_root());
  if (base_ == "HEAD")
    throw bad_input("the main checkout is on a detached HEAD: check out the branch pull "
                    "requests go into (git switch main), then land");
}

void pr_lane::add(const story& s) {
  pending_.insert(s.id());
  more_ = true;
}

std::vector<std::string> pr_lane::in_order() const {
  std::vector<story> stories;
  for (const auto& id : pending_)
    stories.push_back(board_.find(id));
  std::stable_sort(stories.begin(), stories.end(),
                   [](const story& a, const story& b) { return a.priority() < b.priority(); });
  std::vector<std::string> ids;
  for (const auto& s : stories)
    ids.push_back(s.id());
  return ids;
}

std::optional<std::string> pr_lane::held_by(const story& s, bool* in_lane) const {
  for (const auto& d : s.dependencies()) {
    std::optional<story> dep;
    try {
      dep = board_.find(d);
    } catch (const error&) {
      continue; // not on the board: nothing to wait for
    }
    if (has_landed(*dep) || dry_landed_.count(dep->id())) continue;
    *in_lane = pending_.count(dep->id()) > 0;
    return dep->id();
  }
  return std::nullopt;
}

// Every PR that can open opens before any merges: reviewers see the whole
// stack at once, and a dependent's PR is stacked on its dependency's branch.
std::vector<landed_story> pr_lane::step(std::ostream& out) {
  std::vector<landed_story> ended;
  moved_ = false;
  for (const auto& id : in_order())
    open_story(id, out, ended);
  if (!dry_run_)
    for (const auto& id : in_order())
      merge_story(id, out, ended);
  bool checks_running = false;
  for (const auto& [id, since] : waiting_since_)
    checks_running |= pending_.count(id) > 0;
  poll_after_ = moved_ ? std::chrono::milliseconds(0) : board_.cfg().merge.checks_poll;
  more_ = !pending_.empty() && (moved_ || checks_running);
  return ended;
}

void pr_lane::end(std::vector<landed_story>& ended, landed_story e) {
  pending_.erase(e.id);
  waiting_since_.erase(e.id);
  ended.push_back(std::move(e));
  moved_ = true;
}

void pr_lane::open_story(const std::string& id, std::ostream& out,
                         std::vector<landed_story>& ended) {
  auto s = board_.find(id);
  bool dep_in_lane = false;
  const auto held = held_by(s, &dep_in_lane);
  if (held && !dep_in_lane)
    return end(ended,
               {id, land_result::waiting, "",
                fmt::format("waits for {} to land (it is not done, or could not land)", *held)});
  if (!s.str("pr_url").empty()) {
    if (dry_run_) {
      out << fmt::format("would merge {} ({}) once its checks pass\n", s.str("pr_url"), id);
      dry_landed_.insert(id);
      batches_.push_back({id});
      return end(ended, {id, land_result::landed, "", "dry run: " + s.str("pr_url")});
    }
    if (!pushed_.count(id)) {
      push_story_branch(board_, s); // a rework since the PR opened: the PR follows the branch
      pushed_.insert(id);
    }
    return;
  }
  // A stacked PR needs its base pushed first: the dependency's PR opens first.
  if (held && board_.find(*held).str("pr_url").empty()) return;
  const auto into = pr_base_for(s, board_, base_);
  if (dry_run_) {
    out << fmt::format("would open a pull request for {} into {}\n", id, into);
    dry_landed_.insert(id);
    batches_.push_back({id});
    return end(ended, {id, land_result::landed, "", "dry run: a pull request would open"});
  }
  auto url = open_pull_request(board_, s, base_);
  out << fmt::format("opened {} for {} into {}\n", url, id, into);
  opened_.emplace_back(id, url);
  pushed_.insert(id);
  moved_ = true;
}

void pr_lane::merge_story(const std::string& id, std::ostream& out,
                          std::vector<landed_story>& ended) {
  if (!pending_.count(id)) return;
  auto s = board_.find(id);
  bool dep_in_lane = false;
  if (s.str("pr_url").empty() || held_by(s, &dep_in_lane)) return; // its dependency first
  const auto url = s.str("pr_url");
  auto o = merge_pull_request(board_, s, base_);
  switch (o.state) {
  case pr_merge_state::merged:
    out << fmt::format("landed {}: {} merged into {}{}\n", id, url, base_,
                       o.sha.empty() ? "" : " as " + o.sha.substr(0, 8));
    batches_.push_back({id});
    return end(ended, {id, land_result::landed, o.sha, url});
  case pr_merge_state::checks_failed:
    out << fmt::format("{}: checks failed on {}: {}\n", id, url, o.detail);
    return end(ended, send_back_to_rework(
                          board_, id, land_result::red,
                          fmt::format("landing: the checks of {} failed: {}; fix them on this "
                                      "branch (the pull request follows it)",
                                      url, o.detail),
                          false));
  case pr_merge_state::checks_pending:
  case pr_merge_state::armed:
    break;
  }
  const auto now = std::chrono::steady_clock::now();
  auto [at, first] = waiting_since_.emplace(id, now);
  if (first) out << fmt::format("{}: waiting for {} ({})\n", id, url, o.detail);
  const auto timeout = board_.cfg().merge.checks_timeout;
  if (now - at->second >= timeout)
    end(ended, {id, land_result::waiting, "",
                fmt::format("{} not merged after {} s (merge.checksTimeout): {}; land again later",
                            url, timeout.count() / 1000, o.detail)});
}

} // namespace sdlc
