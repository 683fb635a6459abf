#pragma once
// A story's pull request, opened and merged as ai-sdlc does it
// (src/agents/review/pr.ts, src/agents/merge.ts): the story branch is pushed,
// `gh pr create` opens the PR and `pr_url` records it; merging waits for
// `gh pr checks`, then `gh pr merge --<strategy> --auto [--delete-branch]`,
// and records `pr_merged`, `merged_at`, `merge_sha`. Ours on top: a story
// whose dependency has not landed gets a stacked PR (its base is the
// dependency's branch), and the branch tip is kept under refs/sdlc-actors/kept/
// before gh deletes the branch, so no commit becomes unreachable.
#include "runtime/story/board.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sdlc {

enum class landing_target { local, github };

// merge.target: `local` and `github` as said; `auto` is github when the push
// remote's URL is on github.com (or on $GH_HOST).
landing_target landing_target_of(const std::string& setting, const std::string& remote_url,
                                 const std::string& gh_host);
landing_target landing_target_for(const board& b);

// Where pull requests and the landed base are pushed: merge.remote (a remote's
// name or a URL), else `origin`; "" when there is no such remote.
std::string push_url_for(const board& b);

std::optional<long> pr_number_of(const std::string& url);

// `gh pr checks --json name,state,bucket`, sorted by what it means for merging.
struct pr_checks {
  std::vector<std::string> passed, pending, failed;
};
// Throws bad_input when `json` is not gh's array of checks.
pr_checks parse_pr_checks(const std::string& json);

std::string pr_title(const story& s);
// The summary, the acceptance criteria, the last review's verdict and the cost.
std::string pr_body(const story& s, double cost_usd);

// The branch the story's PR goes into: the branch of its first dependency
// that has not landed (a stacked PR), else `base`.
std::string pr_base_for(const story& s, const board& b, const std::string& base);

// Pushes the story branch and opens its PR into pr_base_for (an open PR of the
// branch is reused); writes `pr_url`. Throws sdlc::error naming the story and
// what to do (gh missing or logged out: `gh auth login`); the story is unchanged then.
std::string open_pull_request(board& b, const story& s, const std::string& base);

// Pushes the story branch again (a rework after the PR was opened).
void push_story_branch(board& b, const story& s);

enum class pr_merge_state { merged, checks_pending, checks_failed, armed };
struct pr_merge_outcome {
  pr_merge_state state = pr_merge_state::checks_pending;
  std::string detail; // the pending or failed checks; why it is armed
  std::string sha;    // merged: the commit on the base
};

// One look at the PR: waits (pending checks), refuses (failed checks under
// merge.requireAllChecksPassing), or merges it into `base` and records it.
pr_merge_outcome merge_pull_request(board& b, const story& s, const std::string& base);

} // namespace sdlc
