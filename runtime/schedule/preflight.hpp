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

// What a run prints about its overlaps before it starts: a `warning:` line
// per high pair and a `note:` line per medium one (worst first, as scanned),
// at most `shown` of each; the rest are counted in one line apiece. A board
// of thousands of stories naming the same files printed thousands of lines.
std::vector<std::string> overlap_report(const std::vector<story_conflict>& conflicts,
                                        std::size_t shown = 20);

// `all`: the board's stories, as the run's scan read them.
preflight_outcome preflight_conflicts(const board& b, const std::vector<story>& all,
                                      const std::vector<std::string>& ids, conflict_policy policy,
                                      bool yes, bool interactive, std::istream& in,
                                      std::ostream& err);

} // namespace sdlc
