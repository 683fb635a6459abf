#include "runtime/land/land_stories.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/git/remote_sync.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/land/land_checks.hpp"
#include "runtime/land/land_merge.hpp"
#include "runtime/land/landing_queue.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/review_decision.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

namespace sdlc {

std::string_view to_string(land_result r) {
  switch (r) {
  case land_result::landed:
    return "landed";
  case land_result::conflict:
    return "conflict";
  case land_result::red:
    return "tests-failed";
  case land_result::waiting:
    return "waiting";
  }
  return "?";
}

namespace {

bool landed_already(const story& s) {
  return !s.str("merged_at").empty();
}

// What waits to land: the named stories, or every done one with a branch.
std::vector<story> candidates(const board& b, const land_options& o) {
  std::vector<story> out;
  if (!o.ids.empty()) {
    for (const auto& id : o.ids) {
      auto s = b.find(id);
      if (s.status() != story_status::done)
        throw bad_input(fmt::format("{} is {}: only done stories land (`run --auto --story {}` "
                                    "finishes it)",
                                    s.id(), s.str("status"), s.id()));
      if (s.str("branch").empty())
        throw bad_input(fmt::format("{} has no branch to land (it ran in the main checkout, "
                                    "where its work already is)",
                                    s.id()));
      if (landed_already(s))
        throw bad_input(fmt::format("{} landed already ({} at {})", s.id(),
                                    s.str("merge_sha").substr(0, 8), s.str("merged_at")));
      out.push_back(std::move(s));
    }
    return out;
  }
  for (auto& s : b.scan().stories)
    if (s.status() == story_status::done && !s.str("branch").empty() && !landed_already(s))
      out.push_back(std::move(s));
  return out;
}

// The story goes back to rework with `finding` as its review's blocker.
void send_back(board& b, const std::string& id, const std::string& finding) {
  const int max_retries = b.cfg().review_max_retries;
  b.update(id, [&](story& s) {
    review_decision d;
    d.issues.push_back({"blocker", "implementation", finding});
    s.set_string("status", "in-progress");
    apply_review(s, d, "Landing: " + finding, max_retries); // blocks it past the cap
  });
}

std::string commit_message(const story& s) {
  return fmt::format("{}: {}\n\nLanded by sdlc-actors from {}.\n", s.id(), s.title(),
                     s.str("branch"));
}

} // namespace

land_report land_stories(board& b, const land_options& o, std::ostream& out) {
  const auto root = b.project_root();
  land_report report;
  report.base = git::current_branch(root);
  if (report.base == "HEAD")
    throw bad_input("the main checkout is on a detached HEAD: check out the branch stories land "
                    "on (git switch main), then land");
  const auto& cfg = b.cfg();
  if (cfg.merge_strategy == "rebase")
    throw bad_input("merge.strategy rebase: not supported by the landing lane yet; use squash "
                    "(one commit per story, ai-sdlc's default) or merge");
  const auto strategy =
      cfg.merge_strategy == "merge" ? git::merge_strategy::merge : git::merge_strategy::squash;

  auto stories = candidates(b, o);
  std::set<std::string> waiting_ids;
  std::map<std::string, story> by_id;
  landing_queue q(static_cast<std::size_t>(cfg.merge_batch_size));
  for (auto& s : stories) {
    std::vector<std::string> deps;
    for (const auto& d : s.dependencies()) {
      try {
        if (!landed_already(b.find(d))) deps.push_back(b.find(d).id());
      } catch (const error&) {
        // a dependency not on the board does not hold a story back here
      }
    }
    q.add({s.id(), s.priority(), deps});
    waiting_ids.insert(s.id());
    by_id.emplace(s.id(), std::move(s));
  }
  auto result = [&](const std::string& id, land_result r, std::string commit, std::string detail) {
    report.stories.push_back({id, r, std::move(commit), std::move(detail)});
    waiting_ids.erase(id);
  };
  const auto scratch = git::worktree_service(root, cfg.worktree_base_path).scratch_dir(".landing");
  std::map<std::string, std::string> last_failure; // id -> the failure of a batch it was in
  auto log = [](const std::string&) {};            // the failure's tail goes into the story instead
  std::string tip = git::branch_tip(root, report.base).value_or("");
  if (tip.empty())
    throw bad_input(fmt::format("{} has no commit yet: commit something first", report.base));
  for (auto batch = q.next_batch(); !batch.empty(); batch = q.next_batch()) {
    std::vector<git::landing_branch> branches;
    for (const auto& id : batch)
      branches.push_back({id, by_id.at(id).str("branch"), commit_message(by_id.at(id))});
    auto merged = git::merge_onto(root, tip, branches, strategy);
    if (merged.conflict) {
      const auto& id = *merged.conflict;
      auto files = fmt::format("{}", fmt::join(merged.conflict_files, ", "));
      out << fmt::format("{}: conflicts with {} in {}\n", id, report.base, files);
      q.reject(id);
      if (!o.dry_run)
        send_back(b, id,
                  fmt::format("landing: the branch conflicts with {} in {}; merge {} into this "
                              "branch (git merge {}), resolve those files and commit",
                              report.base, files, report.base, report.base));
      result(id, land_result::conflict, "", files);
      continue;
    }
    report.batches.push_back(batch);
    if (o.dry_run) {
      out << fmt::format("would test together: {}\n", fmt::join(batch, ", "));
      tip = merged.tip; // the next batch merges onto this one, as it would land
      q.report(true);
      q.take_landed();
      for (const auto& id : batch)
        result(id, land_result::landed, "", "dry run: merges cleanly");
      continue;
    }
    git::export_commit(root, merged.tip, scratch);
    out << fmt::format("testing {} on {}\n", fmt::join(batch, ", "), report.base);
    auto failed = run_land_checks(cfg, scratch, log);
    std::filesystem::remove_all(scratch);
    if (failed) {
      auto why = fmt::format("{} failed ({}): {}\n{}", failed.value().name, failed.value().how,
                             failed.value().command, failed.value().output);
      for (const auto& id : batch)
        last_failure[id] = why;
      out << fmt::format("red: {} ({} {})\n", fmt::join(batch, ", "), failed.value().name,
                         failed.value().how);
      q.report(false);
      for (const auto& id : q.take_culprits()) {
        out << fmt::format("{}: the culprit; back to rework\n", id);
        send_back(b, id, "landing: " + last_failure[id]);
        result(id, land_result::red, "", last_failure[id]);
      }
      continue;
    }
    if (auto refused = git::advance_branch(root, report.base, tip, merged.tip)) {
      out << "landing waits: " << *refused << "\n";
      for (const auto& id : std::set<std::string>(waiting_ids))
        result(id, land_result::waiting, "", *refused);
      break;
    }
    tip = merged.tip;
    q.report(true);
    const auto now = time::now_iso8601();
    for (const auto& [id, sha] : merged.commits) {
      b.update(id, [&, sha = sha](story& s) {
        s.set_string("merged_at", now);
        s.set_string("merge_sha", sha);
      });
      out << fmt::format("landed {} as {} on {}\n", id, sha.substr(0, 8), report.base);
      result(id, land_result::landed, sha, "");
    }
    q.take_landed();
  }
  for (const auto& id : std::set<std::string>(waiting_ids))
    result(id, land_result::waiting, "",
           "waits for a dependency to land (it is not done, or could not land)");
  report.test_runs = o.dry_run ? 0 : q.tests_run();
  return report;
}

} // namespace sdlc
