#include "runtime/workflow/next_action.hpp"

#include "runtime/config/config.hpp"
#include "runtime/story/story.hpp"

#include <fmt/format.h>

namespace sdlc {

story_facts facts_of(const story& s) {
  story_facts f;
  f.status = s.str("status");
  f.research_complete = s.flag("research_complete");
  f.plan_complete = s.flag("plan_complete");
  f.plan_approved = s.flag("plan_review_complete");
  f.implementation_complete = s.flag("implementation_complete");
  f.reviews_complete = s.flag("reviews_complete");
  f.retry_count = static_cast<int>(s.number("retry_count", 0));
  f.rework_approved = static_cast<int>(s.number("rework_approved", 0));
  f.completion_approved = s.flag("completion_approved");
  f.pr_approved = s.flag("pr_approved");
  f.has_pr = !s.str("pr_url").empty();
  f.refinement_count = static_cast<int>(s.number("refinement_count", 0));
  f.blocked_reason = s.str("blocked_reason");
  f.last_review_decision = s.last_review_decision();
  return f;
}

workflow_limits limits_of(const config& cfg) {
  workflow_limits l;
  l.max_review_retries = cfg.review_max_retries;
  l.max_refinement_iterations = cfg.refinement_max_iterations;
  l.create_pr = cfg.auto_create_pr;
  l.require_pr_approval = cfg.require_pr_approval;
  l.require_plan_approval = cfg.require_plan_approval;
  l.auto_restart = cfg.auto_restart;
  l.auto_complete = cfg.auto_complete;
  return l;
}

decision next_action(const story_facts& f, const workflow_limits& limits) {
  using A = action_type;
  if (f.status == "done") return {A::none, "done"};
  if (f.status == "blocked")
    return {A::none, f.blocked_reason.empty() ? "blocked" : "blocked: " + f.blocked_reason};
  if (f.status == "backlog") {
    if (f.refinement_count >= limits.max_refinement_iterations)
      return {A::block, fmt::format("refinement did not converge in {} iterations",
                                    limits.max_refinement_iterations)};
    return {A::refine, "in backlog: refine it into a ready story"};
  }
  // ready or in-progress: walk the phases in order.
  if (!limits.auto_restart && f.last_review_decision == "REJECTED" && !f.implementation_complete &&
      f.rework_approved < f.retry_count)
    return {A::await_approval,
            "review rejected: waiting for a person to read it and approve the rework "
            "(`approve` / `feedback`; reviewConfig.autoRestartOnRejection is false)",
            approval_gate::rework};
  if (!f.research_complete) return {A::research, "research not done"};
  if (!f.plan_complete) return {A::plan, "no implementation plan yet"};
  if (!f.implementation_complete) {
    // The gate is on the plan: a rework after a review does not ask again.
    if (limits.require_plan_approval && !f.plan_approved && f.last_review_decision != "REJECTED")
      return {A::await_approval,
              "plan ready: waiting for a person to approve it (`approve` / `feedback`)",
              approval_gate::plan};
    if (f.last_review_decision == "REJECTED")
      return {A::rework, fmt::format("review rejected: rework {} of {}", f.retry_count,
                                     limits.max_review_retries)};
    return {A::implement, "plan ready, not implemented"};
  }
  if (!f.reviews_complete) {
    // A rejection normally sends the story back (implementation_complete is
    // reset) or blocks it; a REJECTED last entry here means the limit was hit
    // by an older tool or a hand edit.
    if (f.last_review_decision == "REJECTED" && f.retry_count > limits.max_review_retries)
      return {A::block, fmt::format("review rejected {} times (reviewConfig.maxRetries = {})",
                                    f.retry_count, limits.max_review_retries)};
    return {A::review, "implemented, not reviewed"};
  }
  // With autoCreatePROnApproval the pull request is the gate, as in ai-sdlc.
  if (limits.create_pr && f.has_pr) return {A::move_to_done, "approved; its pull request is open"};
  if (limits.create_pr && limits.require_pr_approval && !f.pr_approved)
    return {A::await_approval,
            "review approved: waiting for a person to let its pull request open (`approve`, or "
            "`feedback` to implement again; stageGates.requireApprovalBeforePR)",
            approval_gate::pull_request};
  if (limits.create_pr) return {A::create_pr, "approved: open a pull request"};
  if (!limits.auto_complete && !f.completion_approved)
    return {A::await_approval,
            "review approved: waiting for a person to accept it as done (`approve`, or "
            "`feedback` to implement again; reviewConfig.autoCompleteOnApproval is false)",
            approval_gate::completion};
  return {A::move_to_done, "approved"};
}

} // namespace sdlc
