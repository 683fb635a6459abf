#pragma once
// The approval gates: a plan (ai-sdlc's stageGates.requireApprovalBeforeImplementation),
// reworking after a rejected review (reviewConfig.autoRestartOnRejection false)
// and accepting a reviewed story as done (reviewConfig.autoCompleteOnApproval
// false). A person approves, or answers with feedback. The plan's field is
// ai-sdlc's own, so either tool can approve a plan the other one gated.
#include "runtime/story/story.hpp"
#include "runtime/workflow/next_action.hpp"

#include <optional>
#include <string>

namespace sdlc {

// Approves what the story waits for: the rework (rework_approved = its
// retry_count), its completion (completion_approved), or else its plan
// (plan_review_complete, what ai-sdlc's `approve` sets). Refused, naming what
// the story needs first, when there is no plan yet or it is done/blocked;
// returns false when it was approved already (nothing changed).
bool approve(story& s, const workflow_limits& limits);

// Appends `## Human Feedback (<when>)` with the text to the body, exactly as
// ai-sdlc's `feedback` does, and — unlike ai-sdlc, whose run never reads it —
// acts on it: a story waiting to rework reworks, one waiting to be accepted
// implements again, any other unimplemented one plans again; each prompt
// carries the body, so the agent answers the feedback. Refused for a done
// story or an empty text.
void give_feedback(story& s, const std::string& text, const std::string& when_iso,
                   const workflow_limits& limits);

// For a story the run holds for approval: why it may go on now ("approved",
// "feedback: plan again", ...), or nothing while it still waits.
std::optional<std::string> approval_released(const story& s, const workflow_limits& limits);

} // namespace sdlc
