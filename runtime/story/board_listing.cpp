#include "runtime/story/board_listing.hpp"

namespace sdlc {

bool unchanged_since(const board_listing& before, const board_listing& now) {
  if (!before.problems.empty() || !now.problems.empty() || before.files != now.files) return false;
  for (const auto& [file, id] : before.files)
    if (!id || !settled(*id, before.taken_at_ns, timestamp_granularity_ns)) return false;
  return true;
}

} // namespace sdlc
