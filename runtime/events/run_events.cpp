#include "runtime/events/run_events.hpp"

#include <ostream>

namespace sdlc {

std::string_view to_string(story_result r) {
  switch (r) {
  case story_result::done:
    return "done";
  case story_result::blocked:
    return "blocked";
  case story_result::failed:
    return "failed";
  case story_result::interrupted:
    return "interrupted";
  case story_result::stopped:
    return "stopped";
  case story_result::awaiting_approval:
    return "awaiting-approval";
  case story_result::step_done:
    return "step-done";
  case story_result::step_failed:
    return "step-failed";
  }
  return "?";
}

std::string_view to_string(landing_kind k) {
  switch (k) {
  case landing_kind::progress:
    return "landing";
  case landing_kind::landed:
    return "landed";
  case landing_kind::sent_back:
    return "sent-back";
  case landing_kind::blocked:
    return "blocked";
  case landing_kind::waiting:
    return "waiting-to-land";
  case landing_kind::pr_opened:
    return "pr-opened";
  }
  return "?";
}

std::string_view to_string(event_kind k) {
  static const char* names[] = {
      "story_started",  "worktree",        "branch",        "node",       "note",
      "action_started", "action_finished", "action_failed", "blocked",    "parked",
      "check_started",  "check_finished",  "restarting",    "agent_init", "tool_use",
      "tool_error",     "agent_text",      "api_retry",     "rate_limit", "agent_result",
      "agent_output",   "agent_stderr",    "unknown_event", "killed",     "process_exited"};
  auto i = static_cast<std::size_t>(k);
  return i < sizeof names / sizeof *names ? names[i] : "?";
}

std::string_view to_string(wait_cause c) {
  switch (c) {
  case wait_cause::slot:
    return "slot";
  case wait_cause::dependency:
    return "dependency";
  case wait_cause::conflict:
    return "conflict";
  case wait_cause::budget:
    return "budget";
  case wait_cause::approval:
    return "approval";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, story_result r) {
  return out << to_string(r);
}
std::ostream& operator<<(std::ostream& out, event_kind k) {
  return out << to_string(k);
}
std::ostream& operator<<(std::ostream& out, wait_cause c) {
  return out << to_string(c);
}

} // namespace sdlc
