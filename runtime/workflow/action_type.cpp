#include "runtime/workflow/action_type.hpp"

#include <ostream>

namespace sdlc {

namespace {
const char* action_names[] = {"refine", "research",       "plan",      "implement",
                              "review", "rework",         "create_pr", "move_to_done",
                              "block",  "await_approval", "none"};
} // namespace

std::string_view to_string(action_type a) {
  return action_names[static_cast<int>(a)];
}

std::optional<action_type> parse_action(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(action_type::none); ++i)
    if (s == action_names[i]) return static_cast<action_type>(i);
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, action_type a) {
  return out << to_string(a);
}

bool runs_an_agent(action_type a) {
  return a <= action_type::rework;
}

bool edits_code(action_type a) {
  return a == action_type::implement || a == action_type::rework;
}

} // namespace sdlc
