#pragma once
// Whether a finished agent run counts as done: the problem that makes it a
// failed attempt, or "" when there is none. Pure, table-tested.
#include "runtime/agent/agent_job.hpp"

#include <string>

namespace sdlc {

// `transport_error`: the run could not be had at all (executor or node gone,
// a push or fetch failed). `command_agent`: a generic command, which owes no
// stream-json result line.
std::string problem_of(const agent_outcome& o, bool command_agent,
                       const std::string& transport_error = {});

// Whether a review check passed (its process ended by itself with 0).
bool check_passed(const agent_outcome& o, const std::string& transport_error = {});

} // namespace sdlc
