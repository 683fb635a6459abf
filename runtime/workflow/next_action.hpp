#pragma once
// What a story needs next — the pure decision at the heart of the workflow.
// No I/O: it reads a story's facts and the config's limits and returns an
// action with the reason, so every branch is table-tested.
#include "runtime/workflow/action_type.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc {

class story;
struct config;

// The facts next_action looks at, extracted from a story.
struct story_facts {
  std::string status; // backlog | ready | in-progress | done | blocked
  bool research_complete = false;
  bool plan_complete = false;
  bool implementation_complete = false;
  bool reviews_complete = false;
  bool plan_approved = false;       // plan_review_complete: ai-sdlc's `approve` sets it
  std::string last_review_decision; // APPROVED | REJECTED | "" (none yet)
  int retry_count = 0;              // REJECTED reviews reworked so far
  int rework_approved = 0;          // the retry_count a person approved reworking (autoRestart off)
  bool completion_approved = false; // a person accepted the approved story (autoComplete off)
  bool pr_approved = false;         // a person let its pull request open (requireApprovalBeforePR)
  bool has_pr = false;              // pr_url is set
  int refinement_count = 0;
  std::string blocked_reason;
};

struct workflow_limits {
  int max_review_retries = 3;
  int max_refinement_iterations = 3;
  bool create_pr = false;             // reviewConfig.autoCreatePROnApproval
  bool require_pr_approval = false;   // stageGates.requireApprovalBeforePR
  bool require_plan_approval = false; // stageGates.requireApprovalBeforeImplementation
  bool auto_restart = true;           // reviewConfig.autoRestartOnRejection: rework unasked
  bool auto_complete = true;          // reviewConfig.autoCompleteOnApproval: done unasked
};

// Which person's decision an await_approval waits for.
enum class approval_gate : uint8_t {
  none,
  plan,         // stageGates.requireApprovalBeforeImplementation: the plan
  rework,       // reviewConfig.autoRestartOnRejection false: reworking after a rejection
  completion,   // reviewConfig.autoCompleteOnApproval false: the approved story as done
  pull_request, // stageGates.requireApprovalBeforePR: opening its pull request
};

struct decision {
  action_type action = action_type::none;
  std::string reason;
  approval_gate gate = approval_gate::none; // with await_approval
};

story_facts facts_of(const story& s);
workflow_limits limits_of(const config& cfg);
decision next_action(const story_facts& facts, const workflow_limits& limits);

} // namespace sdlc
