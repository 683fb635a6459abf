#include "runtime/schedule/preflight.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <ostream>

namespace sdlc {

conflict_policy conflict_policy_from(const std::string& text) {
  if (text == "serialize") return conflict_policy::serialize;
  if (text == "warn") return conflict_policy::warn;
  if (text == "ignore") return conflict_policy::ignore;
  throw bad_input(fmt::format("conflicts.policy: '{}' is not serialize, warn or ignore", text));
}

std::vector<std::string> overlap_report(const std::vector<story_conflict>& conflicts,
                                        std::size_t shown) {
  std::vector<std::string> warnings, notes;
  std::size_t more_high = 0, more_medium = 0;
  for (const auto& c : conflicts) {
    if (c.severity == conflict_severity::high) {
      if (warnings.size() < shown)
        warnings.push_back("warning: " + describe(c));
      else
        ++more_high;
    } else if (c.severity == conflict_severity::medium) {
      if (notes.size() < shown)
        notes.push_back("note: " + describe(c));
      else
        ++more_medium;
    }
  }
  if (more_high > 0)
    warnings.push_back(fmt::format("warning: … and {} more pair{} sharing a file (`sdlc-actors "
                                   "conflicts` lists them all)",
                                   more_high, more_high == 1 ? "" : "s"));
  if (more_medium > 0)
    notes.push_back(fmt::format("note: … and {} more pair{} sharing a directory (`sdlc-actors "
                                "conflicts` lists them all)",
                                more_medium, more_medium == 1 ? "" : "s"));
  // Notes first, as before: the warnings lead into the question.
  notes.insert(notes.end(), warnings.begin(), warnings.end());
  return notes;
}

preflight_outcome preflight_conflicts(const board& b, const std::vector<story>& all_stories,
                                      const std::vector<std::string>& ids, conflict_policy policy,
                                      bool yes, bool interactive, std::istream& in,
                                      std::ostream& err) {
  preflight_outcome out;
  if (policy == conflict_policy::ignore) return out;
  out.scan = scan_conflicts(b, all_stories, ids, true);
  const auto& all = out.scan->conflicts;
  auto first_high = std::find_if(all.begin(), all.end(), [](const story_conflict& c) {
    return c.severity == conflict_severity::high;
  });
  for (const auto& line : overlap_report(all))
    err << line << "\n";
  if (first_high == all.end()) return out;
  if (policy == conflict_policy::serialize)
    err << "conflicts.policy is serialize: these stories will not run at the same time\n";
  if (yes) return out;
  if (!interactive)
    throw bad_input(fmt::format("{} — run with --yes to start anyway, or set conflicts.policy",
                                describe(*first_high)));
  err << "Continue anyway? [y/N] " << std::flush;
  std::string answer;
  std::getline(in, answer);
  out.go = !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
  return out;
}

} // namespace sdlc
