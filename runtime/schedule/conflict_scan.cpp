#include "runtime/schedule/conflict_scan.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/git/worktree_service.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

namespace sdlc {

namespace {

std::string branch_of(const story& s) {
  auto br = s.str("branch");
  return br.empty() ? git::worktree_service::branch_for(s.id(), s.slug()) : br;
}

} // namespace

story_files files_of(const board& b, const story& s, const std::string& base_branch) {
  return files_of(b, s, base_branch, git::open(b.project_root()).get());
}

story_files files_of(const board& b, const story& s, const std::string& base_branch,
                     git_repository* repo) {
  story_files f{s.id(), {}};
  const auto root = b.project_root();
  const auto branch = branch_of(s);
  if (branch != base_branch && git::branch_exists(repo, branch))
    for (auto& p : git::changed_files(repo, base_branch, branch))
      f.files.insert(std::move(p));
  if (auto wt = s.str("worktree_path"); !wt.empty() && std::filesystem::exists(root / wt))
    for (auto& p : git::uncommitted_files(root / wt))
      f.files.insert(std::move(p));
  for (auto& p : predicted_files(plan_section(s.body())))
    f.files.insert(std::move(p));
  const YAML::Node& listed = s.frontmatter()["files"];
  if (listed.IsDefined() && listed.IsSequence())
    for (const auto& n : listed)
      if (n.IsScalar()) f.files.insert(n.Scalar());
  return f;
}

conflict_scan scan_conflicts(const board& b, const std::vector<std::string>& ids, bool with_active,
                             bool with_low) {
  auto scan = b.scan();
  if (!ids.empty()) return scan_conflicts(b, scan.stories, ids, with_active, with_low);
  std::vector<std::string> unfinished;
  for (const auto& s : scan.stories)
    if (s.status() != story_status::done) unfinished.push_back(s.id());
  return scan_conflicts(b, scan.stories, unfinished, with_active, with_low);
}

conflict_scan scan_conflicts(const board& b, const std::vector<story>& all,
                             const std::vector<std::string>& ids, bool with_active, bool with_low) {
  dependency_reach reach(all);
  // One open for every story's branch questions: a run on 10,000 stories
  // asked them of ~4,000, each opening the repository again (a second).
  auto repo = git::open(b.project_root());
  const auto base = git::current_branch(repo.get());
  std::set<std::string> listed;
  for (const auto& s : all)
    listed.insert(s.id());
  std::set<std::string> wanted;
  for (const auto& id : ids) // an id as the board spells it needs no lookup (a parse)
    wanted.insert(listed.count(id) ? id : b.find(id).id());
  std::vector<const story*> chosen;
  for (const auto& s : all) {
    bool in = wanted.count(s.id()) > 0;
    if (s.status() == story_status::done && !in) continue; // unless named
    bool active = with_active && !in && git::branch_exists(repo.get(), branch_of(s));
    if (in || active) chosen.push_back(&s);
  }
  conflict_scan out;
  out.base_branch = base;
  for (const auto* s : chosen) // the whole story: the plan is in the body
    out.stories.push_back(files_of(b, story::load(s->file()), base, repo.get()));
  std::map<std::string, const story*> chosen_by_id;
  for (const auto* s : chosen)
    chosen_by_id.emplace(s->id(), s);
  auto by_id = [&](const std::string& id) { return chosen_by_id.at(id); };
  for (auto& c : pairwise(out.stories, with_low)) {
    // Pairs of two stories outside `ids` are not this run's business.
    if (!wanted.count(c.a) && !wanted.count(c.b)) continue;
    if (reach.related(c.a, c.b)) continue; // never at once
    auto ba = branch_of(*by_id(c.a)), bb = branch_of(*by_id(c.b));
    if (c.severity != conflict_severity::low && git::branch_exists(repo.get(), ba) &&
        git::branch_exists(repo.get(), bb))
      c.merge_conflicts = git::merge_conflicts(b.project_root(), ba, bb);
    out.conflicts.push_back(std::move(c));
  }
  out.depends = std::move(reach);
  std::stable_sort(out.conflicts.begin(), out.conflicts.end(),
                   [](const story_conflict& x, const story_conflict& y) {
                     return static_cast<int>(x.severity) > static_cast<int>(y.severity);
                   });
  return out;
}

} // namespace sdlc
