#include "runtime/land/landing_lane.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/land/land_checks.hpp"
#include "runtime/land/pull_request.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/workflow/story_worktree.hpp"

#include <fmt/format.h>

#include <ostream>

namespace sdlc {

namespace {

std::string commit_message(const story& s) {
  return fmt::format("{}: {}\n\nLanded by sdlc-actors from {}.\n", s.id(), s.title(),
                     s.str("branch"));
}

} // namespace

landing_lane::landing_lane(board& b, bool dry_run)
    : board_(b), dry_run_(dry_run), queue_(static_cast<std::size_t>(b.cfg().merge.batch_size)) {
  const auto root = b.project_root();
  base_ = git::current_branch(root);
  board_mark_ = board_mark(b);
  if (base_ == "HEAD")
    throw bad_input("the main checkout is on a detached HEAD: check out the branch stories land "
                    "on (git switch main), then land");
  if (b.cfg().merge.strategy == "rebase")
    throw bad_input("merge.strategy rebase: not supported by the landing lane yet; use squash "
                    "(one commit per story, ai-sdlc's default) or merge");
  strategy_ =
      b.cfg().merge.strategy == "merge" ? git::merge_strategy::merge : git::merge_strategy::squash;
  if (!dry_run)
    if (auto note = git::finish_interrupted_landing(root, base_)) notes_.push_back(*note);
  tip_ = git::branch_tip(root, base_).value_or("");
  if (tip_.empty())
    throw bad_input(fmt::format("{} has no commit yet: commit something first", base_));
}

land_candidate landing_lane::candidate_of(const story& s) const {
  std::vector<std::string> deps;
  for (const auto& d : s.dependencies()) {
    try {
      auto dep = board_.find(d);
      if (dep.str("merged_at").empty()) deps.push_back(dep.id());
    } catch (const error&) {
      // a dependency not on the board does not hold a story back here
    }
  }
  return {s.id(), s.priority(), deps};
}

void landing_lane::add(const story& s) {
  queue_.add(candidate_of(s));
  more_ = true;
  pending_.insert(s.id());
  stories_.insert_or_assign(s.id(), s);
}

// The story goes back to rework with `finding` as its review's blocker.
landed_story landing_lane::send_back(const std::string& id, land_result why,
                                     const std::string& finding) {
  pending_.erase(id);
  return send_back_to_rework(board_, id, why, finding, dry_run_);
}

// merge.remote: the landed base goes there too. It has landed here whatever
// the push says; a refused push (the remote moved) is the user's to settle.
void landing_lane::push_base(std::ostream& out) {
  if (!board_.cfg().merge.remote) return;
  const auto url = push_url_for(board_);
  try {
    git::push_branch(board_.project_root(), url, base_, false);
    out << fmt::format("pushed {} to {}\n", base_, *board_.cfg().merge.remote);
  } catch (const std::exception& e) {
    out << fmt::format("landed here, but the push to {} failed: {} (pull, then push {} by hand)\n",
                       *board_.cfg().merge.remote, e.what(), base_);
  }
}

// What a landed story leaves behind goes: its worktree (the work is on the
// base) when nothing in it is unsaved; with merge.deleteBranchAfterMerge its
// branch, only when the base contains its tip (a merge commit does; a squash
// makes a new commit, so the branch and its commits stay).
void landing_lane::tidy(const std::string& id, std::ostream& out) {
  const auto s = board_.find(id);
  const auto root = board_.project_root();
  try {
    if (auto wt = remove_story_worktree(board_, s); !wt.empty())
      out << fmt::format("{}: removed its worktree {}\n", id, wt);
  } catch (const error& e) {
    out << fmt::format("{}: its worktree stays: {}\n", id, e.what());
  }
  if (!board_.cfg().merge.delete_branch) return;
  if (git::delete_branch_if_merged(root, s.str("branch"), base_))
    out << fmt::format("{}: deleted branch {} (its tip is on {})\n", id, s.str("branch"), base_);
}

// The rework finding for a story that conflicts with the base. Where its
// worktree is clean, the base is merged into it now, conflict markers and
// all, so the agent starts from the conflict instead of making it again.
std::string landing_lane::conflict_finding(const std::string& id, const std::string& files) {
  const auto base_has = fmt::format("{} now contains {}", base_,
                                    landed_.empty() ? "what was committed on it"
                                                    : fmt::format("{}", fmt::join(landed_, ", ")));
  if (!dry_run_) {
    auto wt = stories_.at(id).str("worktree_path");
    std::optional<std::vector<std::string>> left;
    try {
      if (!wt.empty()) left = git::worktree_service::merge_into(board_.project_root() / wt, tip_);
    } catch (const error&) {
      left.reset(); // the finding below says how to merge by hand
    }
    if (left && !left->empty())
      return fmt::format("landing: resolve the merge conflict in {} ({} was merged into this "
                         "worktree; the conflict markers are in the files); {}. Keep both sides' "
                         "intent and commit",
                         fmt::join(*left, ", "), base_, base_has);
  }
  return fmt::format("landing: the branch conflicts with {} in {}; {}. Merge {} into this branch "
                     "(git merge {}), resolve those files and commit",
                     base_, files, base_has, base_, base_);
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
  if (merged.conflict && !merged.commits.empty() && !dry_run_) {
    // It conflicts with a story merged before it in this batch, which has not
    // landed yet: it tries again once that one has (then the conflict, if
    // any, is with the base, and is handed over in its worktree).
    const auto& id = *merged.conflict;
    out << fmt::format("{}: conflicts with {} in {}; tried again after {} lands\n", id,
                       merged.commits.back().first, fmt::join(merged.conflict_files, ", "),
                       merged.commits.back().first);
    queue_.reject(id);
    queue_.add(candidate_of(stories_.at(id)));
    return ended;
  }
  if (merged.conflict) {
    const auto& id = *merged.conflict;
    auto files = fmt::format("{}", fmt::join(merged.conflict_files, ", "));
    out << fmt::format("{}: conflicts with {} in {}\n", id, base_, files);
    queue_.reject(id);
    ended.push_back(send_back(id, land_result::conflict, conflict_finding(id, files)));
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
  auto failed = run_land_checks(board_.cfg(), scratch,
                                {board_mark_, fmt::format("{}", fmt::join(batch, ","))});
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
  push_base(out);
  queue_.report(true);
  queue_.take_landed();
  const auto now = time::now_iso8601();
  for (const auto& [id, sha] : merged.commits) {
    board_.update(id, [&, sha = sha](story& s) {
      s.set_string("merged_at", now);
      s.set_string("merge_sha", sha);
    });
    out << fmt::format("landed {} as {} on {}\n", id, sha.substr(0, 8), base_);
    tidy(id, out);
    landed_.push_back(id);
    pending_.erase(id);
    ended.push_back({id, land_result::landed, sha, ""});
  }
  return ended;
}

} // namespace sdlc
