#pragma once
// What happens in a run, as data: the events actors send each other and the
// dashboard, the logs and (later) the run journal read. An event's kind is an
// enum and its data are fields; `text` fields are for people (shown or
// logged), never parsed. CAF's inspect overloads live in actors/messages.hpp
// (this layer knows no CAF); docs/architecture.md has who sends what to whom.
#include "runtime/workflow/action_type.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc {

// How a story's part in a run ended.
enum class story_result : uint8_t {
  done,              // nothing left to do
  blocked,           // needs a person (a limit, a budget, a failed dependency)
  failed,            // an error the workflow could not handle
  interrupted,       // the run stopped first (Ctrl-C, --fail-fast); resumable
  stopped,           // no action applies and it is neither done nor blocked
  awaiting_approval, // its plan waits for a person; the run holds it, and goes on
  step_done,         // step mode: the one action asked for is done; more remain
  step_failed,       // step mode: the one action asked for failed, retries left (not blocked)
};

enum class event_kind : uint8_t {
  // the story actor
  story_started,   // text: the story's log file
  worktree,        // text: the worktree's path
  branch,          // text: the story branch
  node,            // text: host:port of the node running it, or "local"
  note,            // text
  action_started,  // action; text: where it runs
  action_finished, // action; text: summary
  action_failed,   // action; text: the problem
  blocked,         // action; text: why
  parked,          // action; text: until when
  check_started,   // action review; text: the check (build, test)
  check_finished,  // action review; text: the check and its verdict
  // the supervisor
  restarting, // text: why and when
  // an agent's stream (the executor)
  agent_init,     // text: model and session
  tool_use,       // text: tool and target
  tool_error,     // text
  agent_text,     // text: what the agent said
  api_retry,      // text: status and delay
  rate_limit,     // text: the CLI's limit status
  agent_result,   // text: ok/error, turns, cost
  agent_output,   // text: a line that is no stream-json
  agent_stderr,   // text
  unknown_event,  // text: the raw line
  killed,         // text: the watchdog's verdict
  process_exited, // text: exit code or signal
};

// Why a story that could run does not run yet.
enum class wait_cause : uint8_t {
  slot,       // every slot is busy
  dependency, // a story it needs is not done
  conflict,   // a story sharing its files is running
  budget,     // the run's budget is spent: it will not start
  approval,   // its plan waits for `approve` or `feedback`
};

// What became of a story in the run's landing lane (merge_queue).
enum class landing_kind : uint8_t {
  progress,  // text: a line of the lane's work (batch under test, red, ...)
  landed,    // text: its commit on the base branch
  sent_back, // text: why (conflict, failing check): it reworks in this run
  blocked,   // text: why; sent back past the rework cap
  waiting,   // text: why the lane stopped (the user's uncommitted change)
  pr_opened, // text: the pull request's URL; it lands when GitHub merges it
};

struct landing_event {
  std::string story; // empty for progress of a whole batch
  landing_kind kind = landing_kind::progress;
  std::string text;
  int64_t at_ms = 0;
};

std::string_view to_string(landing_kind k);
std::string_view to_string(story_result r);
std::string_view to_string(event_kind k);
std::string_view to_string(wait_cause c);
std::ostream& operator<<(std::ostream& out, story_result r);
std::ostream& operator<<(std::ostream& out, event_kind k);
std::ostream& operator<<(std::ostream& out, wait_cause c);

struct story_event {
  story_event() = default;
  // What every event has; the files only action_finished sets (below).
  story_event(std::string story_id, event_kind k, action_type a, std::string what, int64_t at)
      : story(std::move(story_id)), kind(k), action(a), text(std::move(what)), at_ms(at) {}

  std::string story; // "" for the run itself
  event_kind kind = event_kind::note;
  action_type action = action_type::none;
  std::string text;
  int64_t at_ms = 0; // wall clock, ms since the epoch
  // action_finished of implement/rework in a run that re-checks conflicts:
  // every file the story's branch and worktree change now (worked out by
  // the story, so that the scheduler's one thread runs no git).
  bool files_known = false;
  std::vector<std::string> files;
};

// A command agent's own progress report (docs/agents.md).
struct agent_progress {
  std::string story;
  action_type action = action_type::none;
  int percent = 0;
  std::string message;
  int64_t at_ms = 0;
};

// What one finished action cost (the gateway's count, else the agent's).
struct usage_report {
  std::string story;
  action_type action = action_type::none;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost_usd = 0;
  int64_t at_ms = 0;
};

// An agent process started: its pid (a local one is checkpointed so a
// later run can stop it; a node's is that machine's, only shown).
struct process_started {
  std::string story;
  action_type action = action_type::none;
  int64_t pid = 0;
  std::string node; // "" locally
  int64_t at_ms = 0;
};

struct story_waiting {
  std::string story;
  wait_cause cause = wait_cause::slot;
  std::vector<std::string> on; // the stories it waits for (dependency, conflict)
  std::string text;            // the sentence shown
  int64_t at_ms = 0;
};

// A story actor is done for this run.
struct story_finished {
  std::string story;
  story_result result = story_result::done;
  std::string detail;
  int64_t at_ms = 0;
};

// The rate limiter's numbers, when they change.
struct limiter_stats {
  int in_flight = 0;
  int cap = 0;
  int queued = 0;
  int64_t rejections = 0;      // 429/529 answers seen
  int64_t paused_until_ms = 0; // 0: not paused
};

// The scheduler runs this many stories at once now (the limiter scales it).
struct concurrency_level {
  int level = 0;
  int64_t at_ms = 0;
};

} // namespace sdlc
