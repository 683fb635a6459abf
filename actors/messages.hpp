#pragma once
// The message vocabulary between actors: plain structs with an inspect()
// overload. Every type here is registered in system_config.cpp, because an
// unregistered type serializes to 0 bytes without an error (NOTES-TOOLCHAIN)
// and these must be able to cross the network to a node.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sdlc {

// Something happened to a story; the coordinator, status and logs consume these.
struct story_event {
  std::string story_id;
  std::string kind;   // started, action_started, action_finished, tool_use, note, failed, ...
  std::string action; // the workflow action, when there is one
  std::string detail;
  int64_t at_ms = 0; // wall clock, milliseconds since the epoch
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, story_event& x) {
  return f(caf::meta::type_name("sdlc::story_event"), x.story_id, x.kind, x.action, x.detail,
           x.at_ms);
}

// One process to run for a story: an agent action or a review check.
struct agent_job {
  std::string story_id;
  std::string action;
  std::vector<std::string> argv;
  std::vector<std::string> env; // KEY=VALUE, the child's whole environment
  std::string cwd;
  int64_t wall_ms = 0;
  int64_t idle_ms = 0;
  int64_t result_grace_ms = 3000;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, agent_job& x) {
  return f(caf::meta::type_name("sdlc::agent_job"), x.story_id, x.action, x.argv, x.env, x.cwd,
           x.wall_ms, x.idle_ms, x.result_grace_ms);
}

// How a job ended.
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

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, agent_outcome& x) {
  return f(caf::meta::type_name("sdlc::agent_outcome"), x.pid, x.exit_code, x.signal,
           x.killed_reason, x.saw_result, x.is_error, x.api_error_status, x.result_text,
           x.session_id, x.num_turns, x.tool_uses, x.cost_usd, x.input_tokens, x.output_tokens,
           x.duration_ms, x.limit_resets_at_ms, x.commit, x.node);
}

// Orchestrator -> node: prove the shared secret before anything else. The
// node answers with what it offers.
struct node_hello {
  std::string token;
  std::string orchestrator; // host:pid, for the node's log
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("sdlc::node_hello"), x.token, x.orchestrator);
}

struct node_info {
  std::string name; // host:port as the node listens
  int slots = 0;
  int busy = 0;
  std::string workdir;
  std::string version;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("sdlc::node_info"), x.name, x.slots, x.busy, x.workdir, x.version);
}

// Orchestrator -> node: run `job` in the story's worktree made from `sha` of
// `branch` (fetched from `repo_url`); after it, with `commit_after`, commit
// and push the branch back. Agents' API calls go through the node's own
// gateway to `upstream`; the job's env names the orchestrator's gateway
// (`gateway_base`, `gateway_token`), which the node swaps for its own.
struct remote_job {
  agent_job job;
  std::string repo_url;
  std::string branch;
  std::string sha;
  bool commit_after = false;
  std::string commit_message;
  std::string upstream;
  std::string gateway_base;
  std::string gateway_token;
  int64_t priority = 0;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, remote_job& x) {
  return f(caf::meta::type_name("sdlc::remote_job"), x.job, x.repo_url, x.branch, x.sha,
           x.commit_after, x.commit_message, x.upstream, x.gateway_base, x.gateway_token,
           x.priority);
}

// A story actor is done for this run.
struct story_finished {
  std::string story_id;
  std::string result; // done | blocked | failed | interrupted
  std::string detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, story_finished& x) {
  return f(caf::meta::type_name("sdlc::story_finished"), x.story_id, x.result, x.detail);
}

// Gateway -> rate limiter: may this request go upstream?
struct permit_ask {
  uint64_t id = 0;
  std::string story;
  int64_t priority = 0;
  int64_t input_estimate = 0;
  int64_t output_estimate = 0;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, permit_ask& x) {
  return f(caf::meta::type_name("sdlc::permit_ask"), x.id, x.story, x.priority, x.input_estimate,
           x.output_estimate);
}

// Gateway -> rate limiter: how a permitted request went (-1: not known).
struct permit_done {
  uint64_t id = 0;
  int status = 0;
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
  int64_t retry_after_ms = -1;
  int64_t requests_limit = -1;
  int64_t requests_remaining = -1;
  int64_t input_limit = -1;
  int64_t output_limit = -1;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, permit_done& x) {
  return f(caf::meta::type_name("sdlc::permit_done"), x.id, x.status, x.input_tokens,
           x.output_tokens, x.retry_after_ms, x.requests_limit, x.requests_remaining, x.input_limit,
           x.output_limit);
}

// A gateway thread (not an actor) waiting for a permit: the limiter answers
// through this slot, so no actor is created per request. Local only.
struct permit_slot {
  enum class answer { waiting, granted, refused };
  std::mutex mu;
  std::condition_variable cv;
  answer value = answer::waiting;
  // The first answer counts.
  void set(answer a) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (value != answer::waiting) return;
      value = a;
    }
    cv.notify_all();
  }
  answer wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return value != answer::waiting; });
    return value;
  }
};

// What a permit message carries instead of the slot itself: when its last
// holder lets go unanswered — a message to an actor that is gone is dropped,
// an actor that dies drops its state and pending handlers — the waiting
// thread is refused instead of waiting forever.
class permit_ticket {
public:
  explicit permit_ticket(std::shared_ptr<permit_slot> slot) : slot_(std::move(slot)) {}
  permit_ticket(const permit_ticket&) = delete;
  permit_ticket& operator=(const permit_ticket&) = delete;
  ~permit_ticket() { slot_->set(permit_slot::answer::refused); }
  void grant() { slot_->set(permit_slot::answer::granted); }
  void refuse() { slot_->set(permit_slot::answer::refused); }

private:
  std::shared_ptr<permit_slot> slot_;
};

struct permit_wait {
  permit_ask ask;
  std::shared_ptr<permit_ticket> ticket;
};

} // namespace sdlc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sdlc::permit_wait)
