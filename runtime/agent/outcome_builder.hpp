#pragma once
// An agent run's outcome, built from its stdout events as they arrive (pure:
// fed by tests/fixtures/claude-*.jsonl in its test). Each event also yields
// what is worth telling a person — an event to show, or a progress report —
// which the executor sends on; the executor adds the process's own facts
// (pid, exit, watchdog verdict).
#include "runtime/agent/agent_job.hpp"
#include "runtime/agent/stream_event.hpp"
#include "runtime/events/run_events.hpp"

#include <optional>
#include <string>

namespace sdlc {

struct agent_notice {
  event_kind kind = event_kind::agent_text;
  std::string text;
  std::optional<int> percent; // set: a progress report (text is its message)
};

class outcome_builder {
public:
  std::optional<agent_notice> apply(const agent_event& e);
  // A line the agent wrote to stderr.
  agent_notice stderr_line(const std::string& line) const;
  // The process ended; an agent that printed no result line is judged on
  // what it printed.
  const agent_outcome& finish(int exit_code, int signal, int64_t duration_ms);

  agent_outcome& outcome() { return outcome_; }
  bool saw_result() const { return outcome_.saw_result; }

private:
  agent_outcome outcome_;
  std::string collected_; // stdout text, for agents that print no result line
};

} // namespace sdlc
