#pragma once
// The story actor's state and the pieces its two files share (story_actor.cpp:
// its life and its workflow loop; story_jobs.cpp: running an action's jobs,
// here or on a node, and what follows from their outcome). Internal to the
// story actor: nothing else includes it.
#include "actors/story_actor.hpp"

#include <deque>
#include <functional>
#include <optional>

namespace sdlc::story_detail {

struct story_state {
  story_report_actor parent;
  agent_listener_actor display; // the run's status: agents' events go there directly
  std::unique_ptr<story_session> session;
  board initial_board{".", config{}, false};
  std::string story_id;
  session_options opts;
  int incarnation = 0;
  bool started = false;
  bool stopping = false; // shutdown: kill the agent now
  bool draining = false; // drain: finish the current action, then stop
  std::optional<action_type> running;
  int agent_actions = 0; // started by this incarnation (step mode stops after max_actions)
  std::optional<std::string> last_failure; // the last action failed: how (step mode says so)
  api_usage usage_before; // the gateway's count for this story and action when it started
  executor_actor executor;
  std::deque<review_check> pending_checks;
  std::shared_ptr<node_pool> pool; // a run with nodes: where this story runs
  std::optional<placement> where;
  bool remote_busy = false;               // a job is out on a node
  std::optional<std::string> done_reason; // done; the nodes are dropping its worktree

  ~story_state() {
    if (pool) pool->release(story_id);
  }
  static inline const char* name = "story";
};

using story_ptr = story_actor::stateful_pointer<story_state>;

using job_done = std::function<void(const agent_outcome&, const std::string& error)>;

// A story_event to the supervisor.
void emit(story_ptr self, event_kind kind, action_type action, const std::string& text);
// The story is done for this run: story_finished, then the actor quits.
void finish(story_ptr self, story_result result, const std::string& detail);
// Decide the next action and start it.
void step(story_ptr self);
// The node running this story is gone: the actor dies abnormally (restarted elsewhere).
void node_lost(story_ptr self, const std::string& why);
// An agent action, or the review's checks then its agent.
void run_agent(story_ptr self, action_type a);
void run_next_check(story_ptr self);

} // namespace sdlc::story_detail
