#pragma once
// The plan-approval gate (ai-sdlc's stageGates.requireApprovalBeforeImplementation).
// A person approves a plan or sends it back with feedback; the fields are
// ai-sdlc's own, so either tool can approve a story the other one gated.
#include "runtime/story/story.hpp"
#include "runtime/workflow/next_action.hpp"

#include <optional>
#include <string>

namespace sdlc {

// Sets plan_review_complete (what ai-sdlc's `approve` sets). Refused, naming
// what the story needs first, when there is no plan yet or it is done/blocked;
// returns false when it was approved already (nothing changed).
bool approve(story& s);

// Appends `## Human Feedback (<when>)` with the text to the body, exactly as
// ai-sdlc's `feedback` does, and — unlike ai-sdlc, whose run never reads it —
// sends the story back to plan: the plan prompt carries the body, so the next
// plan answers the feedback. Refused for a done story or an empty text.
void give_feedback(story& s, const std::string& text, const std::string& when_iso);

// For a story the run holds for approval: why it may go on now ("approved",
// "feedback: plan again", ...), or nothing while it still waits.
std::optional<std::string> approval_released(const story& s, const workflow_limits& limits);

} // namespace sdlc
