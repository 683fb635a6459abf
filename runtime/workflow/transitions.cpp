#include "runtime/workflow/transitions.hpp"

#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>

namespace sdlc {

void unblock(story& s, bool reset_retries) {
  if (s.status() != story_status::blocked)
    throw bad_input(
        fmt::format("{} is not blocked (status: {}); nothing to unblock", s.id(), s.str("status")));
  bool started = s.flag("plan_complete") || s.flag("implementation_complete");
  s.set_status(started ? story_status::in_progress : story_status::ready);
  for (auto key : {"blocked_reason", "last_error", "blocked_by"})
    if (s.has(key)) s.erase(key);
  if (reset_retries)
    for (auto key : {"retry_count", "implementation_retry_count", "refinement_count"})
      if (s.has(key)) s.set_number(key, 0);
  s.set_string("updated", time::today());
}

story unblock_story(board& b, std::string_view id, bool reset_retries) {
  return b.update(id, [&](story& st) {
    unblock(st, reset_retries);
    // Saved before the story: a crash between the two leaves it blocked with
    // its count at zero, and the same command finishes the job.
    if (auto state = reset_retries ? workflow_state::load(st.dir()) : std::nullopt) {
      state->forget_failed_attempts();
      state->save(st.dir());
    }
  });
}

void block(story& s, const std::string& reason) {
  s.set_status(story_status::blocked);
  s.set_string("blocked_reason", reason);
  s.set_string("updated", time::today());
}

void block_for_dependency(story& s, const std::string& reason, const std::string& dependency) {
  block(s, reason);
  s.set_string("blocked_by", dependency);
}

} // namespace sdlc
