#include "runtime/land/lane.hpp"

#include "runtime/land/landing_lane.hpp"
#include "runtime/land/pr_lane.hpp"
#include "runtime/land/pull_request.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/review_decision.hpp"

namespace sdlc {

std::string_view to_string(land_result r) {
  switch (r) {
  case land_result::landed:
    return "landed";
  case land_result::conflict:
    return "conflict";
  case land_result::red:
    return "tests-failed";
  case land_result::blocked:
    return "blocked";
  case land_result::waiting:
    return "waiting";
  }
  return "?";
}

bool has_landed(const story& s) {
  return !s.str("merged_at").empty() || s.flag("pr_merged");
}

std::unique_ptr<lane> open_lane(board& b, bool dry_run) {
  if (landing_target_for(b) == landing_target::github) return std::make_unique<pr_lane>(b, dry_run);
  return std::make_unique<landing_lane>(b, dry_run);
}

landed_story send_back_to_rework(board& b, const std::string& id, land_result why,
                                 const std::string& finding, bool dry_run) {
  if (dry_run) return {id, why, "", finding};
  auto s = b.update(id, [&](story& st) {
    review_decision d;
    d.issues.push_back({"blocker", "implementation", finding});
    st.set_string("status", "in-progress");
    apply_review(st, d, "Landing: " + finding, b.cfg().review_max_retries);
  });
  return {id, s.status() == story_status::blocked ? land_result::blocked : why, "", finding};
}

} // namespace sdlc
