#pragma once
// One process to run for a story — an agent action or a review check — and
// how it ended. Plain data: built by the story's workflow, run by an
// executor (here or on a node), serialized for nodes by actors/messages.hpp.
#include "runtime/workflow/action_type.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sdlc {

struct agent_job {
  std::string story;
  action_type action = action_type::none;
  std::string check; // a review check (build, test); "" for the agent itself
  std::vector<std::string> argv;
  std::map<std::string, std::string> env; // the child's whole environment
  std::string cwd;
  int64_t wall_ms = 0;
  int64_t idle_ms = 0;
  int64_t result_grace_ms = 3000;
  // "plan", or "check-build": how logs and usage counts name it.
  std::string label() const;
};

struct agent_outcome {
  int64_t pid = 0;
  int exit_code = -1;
  int signal = 0;
  std::string killed_reason; // watchdog verdict, or "" when it ended by itself
  bool saw_result = false;   // a stream-json `result` line arrived
  bool is_error = false;
  int api_error_status = 0;
  std::string result_text; // the result line's text (Claude) or stdout (commands)
  std::string session_id;
  int num_turns = 0;
  int tool_uses = 0;
  double cost_usd = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t duration_ms = 0;
  int64_t limit_resets_at_ms = 0; // the CLI reported its usage limit rejected until then
  std::string commit;             // on a node: the story branch's commit after the job
  std::string node;               // on a node: its name ("" locally)
};

} // namespace sdlc
