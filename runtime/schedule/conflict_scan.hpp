#pragma once
// Gathers what each story touches (its branch's changes against the base,
// its worktree's uncommitted changes, the files its plan names and its
// frontmatter `files:` list) and classifies every pair that may run at the
// same time: stories that depend on each other (transitively) never do.
#include "runtime/schedule/conflict_analysis.hpp"
#include "runtime/schedule/dependency_reach.hpp"
#include "runtime/story/board.hpp"

#include <git2.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sdlc {

story_files files_of(const board& b, const story& s, const std::string& base_branch);
// The same with the project's repository already open.
story_files files_of(const board& b, const story& s, const std::string& base_branch,
                     git_repository* repo);

struct conflict_scan {
  std::vector<story_files> stories;
  std::vector<story_conflict> conflicts; // worst first
  dependency_reach depends;              // which pairs depend on each other, either way
  std::string base_branch;
};

// `ids`: the stories to check (empty: every unfinished story). With
// `with_active`, unfinished stories outside `ids` that already have a branch
// are checked against them too. Pairs where both branches exist get a
// dry-run merge.
// `with_low`: also list the pairs that share nothing ("low": different
// directories) — n² of them on a big board; the run does not need them.
conflict_scan scan_conflicts(const board& b, const std::vector<std::string>& ids, bool with_active,
                             bool with_low = false);
// The same over the stories of a scan already made (a run start reads the
// board once), where `ids` are exactly the stories checked: none named
// checks none but the live branches (`run --watch` with nothing to do yet
// checks what it picks up, when it picks it up).
conflict_scan scan_conflicts(const board& b, const std::vector<story>& all,
                             const std::vector<std::string>& ids, bool with_active,
                             bool with_low = false);

} // namespace sdlc
