#include "runtime/schedule/recommended_action.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <strings.h>
#include <tuple>

namespace sdlc {

namespace {

int status_rank(story_status s) {
  switch (s) {
  case story_status::in_progress:
    return 0;
  case story_status::ready:
    return 1;
  default:
    return 2;
  }
}

bool dependencies_done(const story& s, const std::map<std::string, const story*>& by_id) {
  for (const auto& dep : s.dependencies()) {
    auto it = std::find_if(by_id.begin(), by_id.end(), [&](const auto& kv) {
      return strcasecmp(kv.first.c_str(), dep.c_str()) == 0;
    });
    if (it == by_id.end() || it->second->status() != story_status::done) return false;
  }
  return true;
}

} // namespace

std::vector<recommended_action> recommended_actions(const board_scan& scan,
                                                    const workflow_limits& limits) {
  std::map<std::string, const story*> by_id;
  for (const auto& s : scan.stories)
    by_id.emplace(s.id(), &s);
  std::vector<std::pair<const story*, decision>> found;
  for (const auto& [id, s] : by_id) {
    auto d = next_action(facts_of(*s), limits);
    if (runs_an_agent(d.action) && dependencies_done(*s, by_id)) found.emplace_back(s, d);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(status_rank(a.first->status()), a.first->priority()) <
           std::make_tuple(status_rank(b.first->status()), b.first->priority());
  });
  std::vector<recommended_action> out;
  for (const auto& [s, d] : found)
    out.push_back({s->id(), d.action, d.reason});
  return out;
}

run_mode run_mode_of(const run_mode_flags& f) {
  run_mode m;
  m.one_action = !f.auto_ && !f.whole_runs && f.stories <= 1;
  if (!f.step) return m;
  static const std::vector<std::string> phases = {"refine", "research", "plan", "implement",
                                                  "review"};
  const auto wanted = ascii_lower(*f.step);
  if (std::find(phases.begin(), phases.end(), wanted) == phases.end())
    throw bad_input(fmt::format("--step: invalid step \"{}\"; valid steps: refine, research, "
                                "plan, implement, review",
                                *f.step));
  if (f.auto_ && f.stories > 0)
    throw bad_input("--step: cannot combine --auto --story with --step (as in ai-sdlc); use "
                    "either `run --auto --story <id>` (its whole workflow) or `run --story <id> "
                    "--step <phase>` (one phase)");
  if (f.whole_runs || f.stories > 1)
    throw bad_input("--step runs single actions: use it alone, with one --story <id>, or with "
                    "--auto (every story whose next action is that step)");
  m.one_action = true;
  m.step = parse_action(wanted);
  return m;
}

} // namespace sdlc
