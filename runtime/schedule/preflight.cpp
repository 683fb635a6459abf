#include "runtime/schedule/preflight.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <istream>
#include <ostream>

namespace sdlc {

conflict_policy conflict_policy_from(const std::string& text) {
  if (text == "serialize") return conflict_policy::serialize;
  if (text == "warn") return conflict_policy::warn;
  if (text == "ignore") return conflict_policy::ignore;
  throw bad_input(fmt::format("conflicts.policy: '{}' is not serialize, warn or ignore", text));
}

preflight_outcome preflight_conflicts(const board& b, const std::vector<std::string>& ids,
                                      conflict_policy policy, bool yes, bool interactive,
                                      std::istream& in, std::ostream& err) {
  preflight_outcome out;
  if (policy == conflict_policy::ignore) return out;
  out.scan = scan_conflicts(b, ids, true);
  std::vector<std::string> high;
  for (const auto& c : out.scan->conflicts) {
    if (c.severity == conflict_severity::high)
      high.push_back(describe(c));
    else if (c.severity == conflict_severity::medium)
      err << "note: " << describe(c) << "\n";
  }
  if (high.empty()) return out;
  for (const auto& h : high)
    err << "warning: " << h << "\n";
  if (policy == conflict_policy::serialize)
    err << "conflicts.policy is serialize: these stories will not run at the same time\n";
  if (yes) return out;
  if (!interactive)
    throw bad_input(
        fmt::format("{} — run with --yes to start anyway, or set conflicts.policy", high.front()));
  err << "Continue anyway? [y/N] " << std::flush;
  std::string answer;
  std::getline(in, answer);
  out.go = !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
  return out;
}

} // namespace sdlc
