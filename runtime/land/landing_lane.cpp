#include "runtime/land/landing_lane.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/land/land_checks.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/review_decision.hpp"

#include <fmt/format.h>

#include <ostream>

namespace sdlc {

std::string_view to_string(land_result r) {
  switch (r) {
  case land_result::landed:
    return "landed";
  case land_result::conflict:
    return "conflict";
  case land_result::red:
    return "tests-failed";
  case land_result::blocked:
    return "blocked";
  case land_result::waiting:
    return "waiting";
  }
  return "?";
}

namespace {

std::string commit_message(const story& s) {
  return fmt::format("{}: {}\n\nLanded by sdlc-actors from {}.\n", s.id(), s.title(),
                     s.str("branch"));
}

} // namespace

landing_lane::landing_lane(board& b, bool dry_run)
    : board_(b), dry_run_(dry_run), queue_(static_cast<std::size_t>(b.cfg().merge_batch_size)) {
  const auto root = b.project_root();
  base_ = git::current_branch(root);
  if (base_ == "HEAD")
    throw bad_input("the main checkout is on a detached HEAD: check out the branch stories land "
                    "on (git switch main), then land");
  if (b.cfg().merge_strategy == "rebase")
    throw bad_input("merge.strategy rebase: not supported by the landing lane yet; use squash "
                    "(one commit per story, ai-sdlc's default) or merge");
  strategy_ =
      b.cfg().merge_strategy == "merge" ? git::merge_strategy::merge : git::merge_strategy::squash;
  if (!dry_run)
    if (auto note = git::finish_interrupted_landing(root, base_)) notes_.push_back(*note);
  tip_ = git::branch_tip(root, base_).value_or("");
  if (tip_.empty())
    throw bad_input(fmt::format("{} has no commit yet: commit something first", base_));
}

void landing_lane::add(const story& s) {
  std::vector<std::string> deps;
  for (const auto& d : s.dependencies()) {
    try {
      auto dep = board_.find(d);
      if (dep.str("merged_at").empty()) deps.push_back(dep.id());
    } catch (const error&) {
      // a dependency not on the board does not hold a story back here
    }
  }
  queue_.add({s.id(), s.priority(), deps});
  more_ = true;
  pending_.insert(s.id());
  stories_.insert_or_assign(s.id(), s);
}

// The story goes back to rework with `finding` as its review's blocker.
landed_story landing_lane::send_back(const std::string& id, land_result why,
                                     const std::string& finding) {
  pending_.erase(id);
  if (dry_run_) return {id, why, "", finding};
  auto s = board_.update(id, [&](story& st) {
    review_decision d;
    d.issues.push_back({"blocker", "implementation", finding});
    st.set_string("status", "in-progress");
    apply_review(st, d, "Landing: " + finding, board_.cfg().review_max_retries);
  });
  return {id, s.status() == story_status::blocked ? land_result::blocked : why, "", finding};
}

std::vector<landed_story> landing_lane::culprits(std::ostream& out) {
  std::vector<landed_story> ended;
  for (const auto& id : queue_.take_culprits()) {
    out << fmt::format("{}: the culprit; back to rework\n", id);
    ended.push_back(send_back(id, land_result::red, "landing: " + last_failure_[id]));
  }
  return ended;
}

std::vector<landed_story> landing_lane::step(std::ostream& out) {
  auto ended = step_once(out);
  // Looking ahead may find a culprit by bisection (no test needed): it ends now.
  more_ = !stopped_ && !queue_.next_batch().empty();
  for (auto& e : culprits(out))
    ended.push_back(std::move(e));
  return ended;
}

std::vector<landed_story> landing_lane::step_once(std::ostream& out) {
  if (stopped_) return {};
  const auto root = board_.project_root();
  auto batch = queue_.next_batch();
  auto ended = culprits(out); // found by bisection without a test
  if (!dry_run_)              // someone may have committed on the base since the last batch
    tip_ = git::branch_tip(root, base_).value_or(tip_);
  if (batch.empty()) return ended;
  std::vector<git::landing_branch> branches;
  for (const auto& id : batch)
    branches.push_back({id, stories_.at(id).str("branch"), commit_message(stories_.at(id))});
  auto merged = git::merge_onto(root, tip_, branches, strategy_);
  if (merged.conflict) {
    const auto& id = *merged.conflict;
    auto files = fmt::format("{}", fmt::join(merged.conflict_files, ", "));
    out << fmt::format("{}: conflicts with {} in {}\n", id, base_, files);
    queue_.reject(id);
    ended.push_back(send_back(
        id, land_result::conflict,
        fmt::format("landing: the branch conflicts with {} in {}; merge {} into this branch (git "
                    "merge {}), resolve those files and commit",
                    base_, files, base_, base_)));
    ended.back().detail = files;
    return ended;
  }
  batches_.push_back(batch);
  if (dry_run_) {
    out << fmt::format("would test together: {}\n", fmt::join(batch, ", "));
    tip_ = merged.tip; // the next batch merges onto this one, as it would land
    queue_.report(true);
    queue_.take_landed();
    for (const auto& id : batch) {
      pending_.erase(id);
      ended.push_back({id, land_result::landed, "", "dry run: merges cleanly"});
    }
    return ended;
  }
  const auto scratch =
      git::worktree_service(root, board_.cfg().worktree_base_path).scratch_dir(".landing");
  git::export_commit(root, merged.tip, scratch);
  out << fmt::format("testing {} on {}\n", fmt::join(batch, ", "), base_);
  auto failed = run_land_checks(board_.cfg(), scratch);
  std::filesystem::remove_all(scratch);
  if (failed) {
    auto why = fmt::format("{} failed ({}): {}\n{}", failed->name, failed->how, failed->command,
                           failed->output);
    for (const auto& id : batch)
      last_failure_[id] = why;
    out << fmt::format("red: {} ({} {})\n", fmt::join(batch, ", "), failed->name, failed->how);
    queue_.report(false);
    for (auto& e : culprits(out))
      ended.push_back(std::move(e));
    return ended;
  }
  if (auto refused = git::advance_branch(root, base_, tip_, merged.tip)) {
    out << "landing waits: " << *refused << "\n";
    stopped_ = refused;
    return ended;
  }
  tip_ = merged.tip;
  queue_.report(true);
  queue_.take_landed();
  const auto now = time::now_iso8601();
  for (const auto& [id, sha] : merged.commits) {
    board_.update(id, [&, sha = sha](story& s) {
      s.set_string("merged_at", now);
      s.set_string("merge_sha", sha);
    });
    out << fmt::format("landed {} as {} on {}\n", id, sha.substr(0, 8), base_);
    pending_.erase(id);
    ended.push_back({id, land_result::landed, sha, ""});
  }
  return ended;
}

} // namespace sdlc
