#pragma once
// Status changes a person asks for (as opposed to those the workflow makes).
#include "runtime/story/story.hpp"

namespace sdlc {

class board;

// blocked -> ready (or in-progress when planning or implementation is done);
// clears blocked_reason and last_error; with `reset_retries`, zeroes the retry
// counters so the workflow tries again from scratch. Throws bad_input when the
// story is not blocked.
void unblock(story& s, bool reset_retries);

// `unblock` on the board: under the story's lock, and with `reset_retries`
// also the failed attempts its checkpoint counts. The checkpoint is read
// before anything is written, so a corrupt one fails the command (naming the
// file) with the story still blocked. Returns the story as written.
story unblock_story(board& b, std::string_view id, bool reset_retries);

// Marks a story blocked with a reason (the workflow's own `block` action).
void block(story& s, const std::string& reason);

// Blocked only because `dependency` failed: `blocked_by` records it, so a
// later run that finishes the dependency takes this story back (run_plan's
// dependency_blocks_to_lift) instead of leaving it blocked for good.
void block_for_dependency(story& s, const std::string& reason, const std::string& dependency);

} // namespace sdlc
