#pragma once
// Before a run starts: which of its stories may conflict. A high-severity
// overlap (the same file) asks `Continue anyway? [y/N]` on a terminal; `yes`
// skips the question; without a terminal the run is refused (bad_input, exit
// 2) naming the stories and files. Medium overlaps are printed as notes.
#include "runtime/config/settings.hpp"
#include "runtime/schedule/conflict_scan.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

conflict_policy conflict_policy_from(const std::string& text); // bad_input on anything else

struct preflight_outcome {
  std::optional<conflict_scan> scan; // none with policy ignore
  bool go = true;                    // false: the user answered no
};

preflight_outcome preflight_conflicts(const board& b, const std::vector<std::string>& ids,
                                      conflict_policy policy, bool yes, bool interactive,
                                      std::istream& in, std::ostream& err);

} // namespace sdlc
