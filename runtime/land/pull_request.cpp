#include "runtime/land/pull_request.hpp"

#include "runtime/git/remote_sync.hpp"
#include "runtime/land/github_cli.hpp"
#include "runtime/land/lane.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/text.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>
#include <sstream>

namespace sdlc {

namespace {

// The text under the first `#`-heading whose title contains `title`, up to the next heading of
// the same or a higher level.
std::string section(const std::string& body, const std::string& title) {
  std::istringstream in(body);
  std::string line, out;
  std::size_t level = 0;
  for (; std::getline(in, line);) {
    auto hashes = line.find_first_not_of('#');
    bool heading = hashes != std::string::npos && hashes > 0 && line[hashes] == ' ';
    if (level > 0 && heading && hashes <= level) break;
    if (level > 0) out += line + "\n";
    if (level == 0 && heading && ascii_lower(line).find(ascii_lower(title)) != std::string::npos)
      level = hashes;
  }
  return trim(out);
}

// The first paragraph that is not a heading.
std::string first_paragraph(const std::string& body) {
  std::istringstream in(body);
  std::string line, out;
  for (; std::getline(in, line);) {
    auto t = trim(line);
    if (t.empty()) {
      if (!out.empty()) break;
      continue;
    }
    if (t[0] == '#') {
      if (!out.empty()) break;
      continue;
    }
    out += t + "\n";
  }
  return trim(out);
}

std::string last_review(const story& s) {
  const auto& history = s.frontmatter()["review_history"];
  if (!history.IsDefined() || !history.IsSequence() || history.size() == 0) return "";
  const auto& last = history[history.size() - 1];
  if (!last.IsMap() || !last["decision"].IsScalar()) return "";
  auto feedback = last["feedback"].IsScalar() ? last["feedback"].Scalar() : "";
  return fmt::format("{} — {}", last["decision"].Scalar(), tail_of(feedback, 1500));
}

std::string url_of(const board& b, const std::string& name_or_url) {
  if (auto url = git::remote_url(b.project_root(), name_or_url)) return *url;
  // Not a remote's name: a URL or a path, as given.
  bool looks_like_url =
      name_or_url.find(':') != std::string::npos || name_or_url.find('/') != std::string::npos;
  return looks_like_url ? name_or_url : "";
}

std::string branch_of(const story& s) {
  auto branch = s.str("branch");
  if (branch.empty())
    throw bad_input(fmt::format("{} has no branch to open a pull request from (it ran in the "
                                "main checkout, where its work already is)",
                                s.id()));
  return branch;
}

void record_merged(board& b, const std::string& id, const std::string& sha) {
  const auto now = time::now_iso8601();
  b.update(id, [&](story& st) {
    st.set_bool("pr_merged", true);
    st.set_string("merged_at", now);
    if (!sha.empty()) st.set_string("merge_sha", sha);
  });
}

struct pr_view {
  std::string state, base, merge_sha;
};

pr_view view_pr(const board& b, long number) {
  auto r = run_gh({"pr", "view", std::to_string(number), "--json", "state,baseRefName,mergeCommit"},
                  b.project_root());
  if (!r.ok())
    throw failure(fmt::format("gh pr view {} failed: {}", number, tail_of(r.said(), 500)));
  try {
    auto j = nlohmann::json::parse(r.out);
    pr_view v{j.value("state", ""), j.value("baseRefName", ""), ""};
    if (j.contains("mergeCommit") && j["mergeCommit"].is_object())
      v.merge_sha = j["mergeCommit"].value("oid", "");
    return v;
  } catch (const nlohmann::json::exception& e) {
    throw failure(fmt::format("gh pr view {}: cannot read its answer ({}): {}", number, e.what(),
                              tail_of(r.out, 300)));
  }
}

} // namespace

landing_target landing_target_of(const std::string& setting, const std::string& remote_url,
                                 const std::string& gh_host) {
  if (setting == "local") return landing_target::local;
  if (setting == "github") return landing_target::github;
  const auto url = ascii_lower(remote_url);
  bool github = url.find("github.com") != std::string::npos ||
                (!gh_host.empty() && url.find(ascii_lower(gh_host)) != std::string::npos);
  return github ? landing_target::github : landing_target::local;
}

landing_target landing_target_for(const board& b) {
  const char* host = std::getenv("GH_HOST");
  const auto& setting = b.cfg().merge.target;
  return landing_target_of(setting, setting == "auto" ? push_url_for(b) : "", host ? host : "");
}

std::string push_url_for(const board& b) {
  return url_of(b, b.cfg().merge.remote.value_or("origin"));
}

std::optional<long> pr_number_of(const std::string& url) {
  static const std::regex pull(R"(/pull/(\d+))");
  std::smatch m;
  if (!std::regex_search(url, m, pull)) return std::nullopt;
  return std::stol(m[1]);
}

pr_checks parse_pr_checks(const std::string& json) {
  pr_checks c;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(fmt::format("gh pr checks: not JSON ({}): {}", e.what(), tail_of(json, 300)));
  }
  if (!j.is_array())
    throw bad_input(
        fmt::format("gh pr checks: expected an array of checks, got {}", tail_of(json, 300)));
  for (const auto& check : j) {
    const auto name = check.value("name", std::string("(unnamed)"));
    // gh's own verdict (bucket) first; the raw state for older gh.
    auto bucket = ascii_lower(check.value("bucket", ""));
    if (bucket.empty()) {
      const auto state = ascii_upper(check.value("state", ""));
      if (state == "SUCCESS" || state == "NEUTRAL" || state == "SKIPPED")
        bucket = "pass";
      else if (state == "FAILURE" || state == "ERROR" || state == "CANCELLED" ||
               state == "TIMED_OUT" || state == "ACTION_REQUIRED" || state == "STARTUP_FAILURE")
        bucket = "fail";
      else
        bucket = "pending";
    }
    if (bucket == "pass" || bucket == "skipping")
      c.passed.push_back(name);
    else if (bucket == "fail" || bucket == "cancel")
      c.failed.push_back(name);
    else
      c.pending.push_back(name);
  }
  return c;
}

std::string pr_title(const story& s) {
  return fmt::format("{}: {}", s.id(), s.title());
}

std::string pr_body(const story& s, double cost_usd) {
  std::string out;
  auto summary = section(s.body(), "summary");
  if (summary.empty()) summary = first_paragraph(s.body());
  if (!summary.empty()) out += "## Summary\n\n" + summary + "\n\n";
  if (auto ac = section(s.body(), "acceptance criteria"); !ac.empty())
    out += "## Acceptance criteria\n\n" + ac + "\n\n";
  if (auto review = last_review(s); !review.empty()) out += "## Review\n\n" + review + "\n\n";
  out +=
      fmt::format("---\nStory {} · agent cost ${:.2f} · opened by sdlc-actors\n", s.id(), cost_usd);
  // GitHub refuses bodies over 65,536 characters.
  if (out.size() > 60000) out = out.substr(0, 60000) + "\n\n…(cut)\n";
  return out;
}

std::string pr_base_for(const story& s, const board& b, const std::string& base) {
  for (const auto& d : s.dependencies()) {
    try {
      auto dep = b.find(d);
      if (!has_landed(dep) && !dep.str("branch").empty()) return dep.str("branch");
    } catch (const error&) {
      // a dependency not on the board: nothing to stack on
    }
  }
  return base;
}

void push_story_branch(board& b, const story& s) {
  const auto url = push_url_for(b);
  if (url.empty())
    throw bad_input(fmt::format(
        "{}: no remote to push {} to: add one (git remote add origin <url>) or set merge.remote",
        s.id(), branch_of(s)));
  try {
    git::push_branch(b.project_root(), url, branch_of(s), false);
  } catch (const error& e) {
    throw failure(fmt::format("{}: {} (the story branch keeps its commits; if the remote's "
                              "branch moved, merge it into the story branch and land again)",
                              s.id(), e.what()));
  }
}

std::string open_pull_request(board& b, const story& s, const std::string& base) {
  const auto branch = branch_of(s);
  push_story_branch(b, s);
  const auto root = b.project_root();
  std::string url;
  // A PR of this branch may be open already (opened by hand, or before a crash).
  auto existing = run_gh({"pr", "view", branch, "--json", "url,state"}, root);
  if (existing.ok()) {
    try {
      auto j = nlohmann::json::parse(existing.out);
      if (j.value("state", "") != "CLOSED") url = j.value("url", "");
    } catch (const nlohmann::json::exception&) {
      // not an answer we understand: open one
    }
  }
  if (url.empty()) {
    const auto state = workflow_state::load(s.dir());
    std::vector<std::string> args = {
        "pr",      "create",
        "--title", pr_title(s),
        "--body",  pr_body(s, state ? state->usage_total().cost_usd : 0),
        "--head",  branch,
        "--base",  pr_base_for(s, b, base)};
    if (b.cfg().draft_prs.value_or(false)) args.push_back("--draft");
    auto r = run_gh(args, root);
    if (!r.ok())
      throw failure(fmt::format("{}: gh pr create failed: {} (the branch {} is pushed; fix that "
                                "and land again)",
                                s.id(), tail_of(r.said(), 800), branch));
    // gh prints the URL last.
    auto out = trim(r.out);
    url =
        trim(out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n')));
    if (!pr_number_of(url))
      throw failure(fmt::format("{}: gh pr create answered '{}', not a pull request URL", s.id(),
                                tail_of(out, 300)));
  }
  b.update(s.id(), [&](story& st) { st.set_string("pr_url", url); });
  return url;
}

pr_merge_outcome merge_pull_request(board& b, const story& s, const std::string& base) {
  const auto url = s.str("pr_url");
  const auto number = pr_number_of(url);
  if (!number)
    throw bad_input(fmt::format("{}: pr_url '{}' is not a pull request URL: fix or remove it "
                                "(removed, the PR is opened again)",
                                s.id(), url));
  const auto root = b.project_root();
  const auto& cfg = b.cfg().merge;
  auto view = view_pr(b, *number);
  if (view.state == "MERGED") {
    record_merged(b, s.id(), view.merge_sha);
    return {pr_merge_state::merged, "merged on GitHub already", view.merge_sha};
  }
  if (view.state == "CLOSED")
    return {pr_merge_state::checks_failed,
            fmt::format("{} was closed without merging: reopen it, or remove pr_url to open a "
                        "new one",
                        url),
            ""};
  auto checks = run_gh({"pr", "checks", std::to_string(*number), "--json", "name,state,bucket"},
                       root, std::chrono::seconds(30));
  pr_checks c;
  if (ascii_lower(checks.err).find("no checks") == std::string::npos) {
    // gh exits 1 when a check failed and 8 when one is pending: the JSON says which.
    if (!checks.ok() && trim(checks.out).empty())
      throw failure(
          fmt::format("gh pr checks {} failed: {}", *number, tail_of(checks.said(), 500)));
    c = parse_pr_checks(checks.out);
  }
  if (!c.pending.empty())
    return {pr_merge_state::checks_pending, fmt::format("{}", fmt::join(c.pending, ", ")), ""};
  if (!c.failed.empty() && cfg.require_all_checks)
    return {pr_merge_state::checks_failed, fmt::format("{}", fmt::join(c.failed, ", ")), ""};
  // A stacked PR whose dependency has landed now goes into the base.
  if (view.base != base) {
    auto r = run_gh({"pr", "edit", std::to_string(*number), "--base", base}, root);
    if (!r.ok())
      throw failure(fmt::format("{}: gh pr edit {} --base {} failed: {}", s.id(), *number, base,
                                tail_of(r.said(), 500)));
  }
  if (auto tip = git::branch_tip(root, s.str("branch")))
    git::set_ref(root, "refs/sdlc-actors/kept/" + s.str("branch"), *tip,
                 "sdlc-actors: kept before gh pr merge deletes the branch");
  std::vector<std::string> args = {"pr", "merge", std::to_string(*number), "--" + cfg.strategy,
                                   "--auto"};
  if (cfg.delete_branch) args.push_back("--delete-branch");
  auto merged = run_gh(args, root);
  // gh can merge and then fail to delete a branch a worktree has checked out:
  // what GitHub says decides, not gh's exit code.
  view = view_pr(b, *number);
  if (view.state == "MERGED") {
    record_merged(b, s.id(), view.merge_sha);
    return {pr_merge_state::merged, merged.ok() ? "" : tail_of(merged.said(), 300), view.merge_sha};
  }
  if (!merged.ok())
    throw failure(
        fmt::format("{}: gh pr merge {} failed: {}", s.id(), *number, tail_of(merged.said(), 500)));
  return {pr_merge_state::armed,
          "auto-merge is on: GitHub merges it once its branch protection allows", ""};
}

} // namespace sdlc
