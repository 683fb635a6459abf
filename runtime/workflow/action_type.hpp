#pragma once
// The workflow's actions: what an agent is run for (refine … rework), what
// the workflow does inline (create_pr, move_to_done, block), what waits for a
// person (await_approval), and none. Every
// event and job names its action with this enum, never with text.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace sdlc {

enum class action_type : uint8_t {
  refine,
  research,
  plan,
  implement,
  review,
  rework,
  create_pr,
  move_to_done,
  block,          // stop: a limit was reached; the story is marked blocked with the reason
  await_approval, // stageGates: the plan waits for a person (`approve` / `feedback`)
  none,           // nothing to do (done, blocked, or waiting for a person)
};

std::string_view to_string(action_type a);
std::ostream& operator<<(std::ostream& out, action_type a);
std::optional<action_type> parse_action(std::string_view s);

// Whether an agent is run for it (refine … rework), not the workflow inline.
bool runs_an_agent(action_type a);

// Whether the action edits the story's worktree (and is committed after).
bool edits_code(action_type a);

} // namespace sdlc
