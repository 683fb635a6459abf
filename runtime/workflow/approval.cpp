#include "runtime/workflow/approval.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

bool approve(story& s, const workflow_limits& limits) {
  auto status = s.status();
  if (status == story_status::done || status == story_status::blocked)
    throw bad_input(fmt::format("{}: cannot approve a story that is {}{}", s.id(), s.str("status"),
                                status == story_status::blocked
                                    ? " (unblock it first: sdlc-actors unblock " + s.id() + ")"
                                    : ""));
  const auto f = facts_of(s);
  const auto d = next_action(f, limits);
  if (d.gate == approval_gate::rework) {
    s.set_number("rework_approved", f.retry_count);
    return true;
  }
  if (d.gate == approval_gate::completion) {
    s.set_bool("completion_approved", true);
    return true;
  }
  if (d.gate == approval_gate::pull_request) {
    s.set_bool("pr_approved", true);
    return true;
  }
  if (!s.flag("plan_complete"))
    throw bad_input(fmt::format("{}: no plan to approve yet — run it until its plan is written "
                                "(sdlc-actors run --story {})",
                                s.id(), s.id()));
  if (s.flag("plan_review_complete")) return false;
  s.set_bool("plan_review_complete", true);
  return true;
}

void give_feedback(story& s, const std::string& text, const std::string& when_iso,
                   const workflow_limits& limits) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw bad_input(s.id() + ": the feedback text is empty — say what the plan should change");
  if (s.status() == story_status::done)
    throw bad_input(s.id() + ": the story is done; add a new story for further work");
  const auto f = facts_of(s);
  const auto gate = next_action(f, limits).gate;
  s.set_body(s.body() + fmt::format("\n\n## Human Feedback ({})\n\n{}\n", when_iso, text));
  if (gate == approval_gate::rework) { // rework now, with the text in its prompt
    s.set_number("rework_approved", f.retry_count);
    return;
  }
  if (gate == approval_gate::completion ||
      gate == approval_gate::pull_request) { // not done yet: implement again, text in the prompt
    s.set_bool("implementation_complete", false);
    s.set_bool("reviews_complete", false);
    return;
  }
  // Plan again with the feedback in the prompt; the new plan waits for approval again.
  if (s.flag("plan_complete") && !s.flag("implementation_complete")) {
    s.set_bool("plan_complete", false);
    s.set_bool("plan_review_complete", false);
  }
}

std::optional<std::string> approval_released(const story& s, const workflow_limits& limits) {
  const auto f = facts_of(s);
  auto d = next_action(f, limits);
  if (d.action == action_type::await_approval) return std::nullopt;
  if (f.completion_approved) return std::string("accepted as done");
  if (f.pr_approved) return std::string("pull request approved");
  if (f.last_review_decision == "REJECTED" && f.rework_approved > 0 &&
      f.rework_approved == f.retry_count && !f.implementation_complete)
    return std::string("rework approved");
  if (f.last_review_decision == "APPROVED" && !f.implementation_complete)
    return std::string("feedback given: implementing again");
  if (s.flag("plan_review_complete")) return std::string("plan approved");
  if (!s.flag("plan_complete")) return std::string("feedback given: planning again");
  return "next: " + std::string(to_string(d.action)) + " (" + d.reason + ")";
}

} // namespace sdlc
