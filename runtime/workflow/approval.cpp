#include "runtime/workflow/approval.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

bool approve(story& s) {
  auto status = s.status();
  if (status == story_status::done || status == story_status::blocked)
    throw bad_input(fmt::format("{}: cannot approve a story that is {}{}", s.id(), s.str("status"),
                                status == story_status::blocked
                                    ? " (unblock it first: sdlc-actors unblock " + s.id() + ")"
                                    : ""));
  if (!s.flag("plan_complete"))
    throw bad_input(fmt::format("{}: no plan to approve yet — run it until its plan is written "
                                "(sdlc-actors run --story {})",
                                s.id(), s.id()));
  if (s.flag("plan_review_complete")) return false;
  s.set_bool("plan_review_complete", true);
  return true;
}

void give_feedback(story& s, const std::string& text, const std::string& when_iso) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw bad_input(s.id() + ": the feedback text is empty — say what the plan should change");
  if (s.status() == story_status::done)
    throw bad_input(s.id() + ": the story is done; add a new story for further work");
  s.set_body(s.body() + fmt::format("\n\n## Human Feedback ({})\n\n{}\n", when_iso, text));
  // Plan again with the feedback in the prompt; the new plan waits for approval again.
  if (s.flag("plan_complete") && !s.flag("implementation_complete")) {
    s.set_bool("plan_complete", false);
    s.set_bool("plan_review_complete", false);
  }
}

std::optional<std::string> approval_released(const story& s, const workflow_limits& limits) {
  auto d = next_action(facts_of(s), limits);
  if (d.action == action_type::await_approval) return std::nullopt;
  if (s.flag("plan_review_complete")) return std::string("plan approved");
  if (!s.flag("plan_complete")) return std::string("feedback given: planning again");
  return "next: " + std::string(to_string(d.action)) + " (" + d.reason + ")";
}

} // namespace sdlc
