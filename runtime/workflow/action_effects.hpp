#pragma once
// How each finished action changes its story. Pure edits of a story object;
// the caller applies them under the story's lock (board::update).
#include "runtime/story/story.hpp"
#include "runtime/workflow/review_decision.hpp"

#include <string>

namespace sdlc {

// Appends `text` at the end of the `## <heading>` section, creating the
// section at the end of the body when it is missing.
std::string append_section(const std::string& body, const std::string& heading,
                           const std::string& text);

void apply_refine(story& s, const std::string& new_body);
void apply_research(story& s, const std::string& findings);
void apply_plan(story& s, const std::string& plan);
void apply_implement(story& s);
void apply_rework(story& s);
void apply_move_to_done(story& s);

// A review verdict: APPROVED completes the review; REJECTED records the
// feedback and sends the story back to the target phase, or blocks it once
// `max_retries` reworks have been spent. Returns the rework target ("" when
// approved, "blocked" when blocked).
std::string apply_review(story& s, const review_decision& d, const std::string& notes,
                         int max_retries);

// A failed action: remembered as last_error (the workflow retries it).
void apply_action_failure(story& s, const std::string& action, const std::string& error);

} // namespace sdlc
