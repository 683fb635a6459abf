#pragma once
// The message vocabulary between actors. The run's events and jobs are plain
// structs in runtime/ (runtime/events/run_events.hpp, runtime/agent/
// agent_job.hpp); this file gives each its CAF inspect overload, and defines
// the messages only actors exchange (nodes, permits). Every type here is
// registered in system_config.cpp — an unregistered type serializes to 0
// bytes without an error (NOTES-TOOLCHAIN) — and unit_actors round-trips
// each through CAF's serializer. Who sends what to whom: actors/actors.hpp
// and the table in docs/architecture.md.
#include "runtime/agent/agent_job.hpp"
#include "runtime/events/run_events.hpp"
#include "runtime/notify/notification.hpp"

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace sdlc {

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, story_event& x) {
  return f(caf::meta::type_name("sdlc::story_event"), x.story, x.kind, x.action, x.text, x.at_ms,
           x.files_known, x.files);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_progress& x) {
  return f(caf::meta::type_name("sdlc::agent_progress"), x.story, x.action, x.percent, x.message,
           x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, usage_report& x) {
  return f(caf::meta::type_name("sdlc::usage_report"), x.story, x.action, x.input_tokens,
           x.output_tokens, x.cost_usd, x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_started& x) {
  return f(caf::meta::type_name("sdlc::process_started"), x.story, x.action, x.pid, x.node,
           x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, story_waiting& x) {
  return f(caf::meta::type_name("sdlc::story_waiting"), x.story, x.cause, x.on, x.text, x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, story_finished& x) {
  return f(caf::meta::type_name("sdlc::story_finished"), x.story, x.result, x.detail, x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, landing_event& x) {
  return f(caf::meta::type_name("sdlc::landing_event"), x.story, x.kind, x.text, x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, limiter_stats& x) {
  return f(caf::meta::type_name("sdlc::limiter_stats"), x.in_flight, x.cap, x.queued, x.rejections,
           x.paused_until_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, concurrency_level& x) {
  return f(caf::meta::type_name("sdlc::concurrency_level"), x.level, x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, notification& x) {
  return f(caf::meta::type_name("sdlc::notification"), x.kind, x.story, x.title, x.reason, x.run,
           x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_failed& x) {
  return f(caf::meta::type_name("sdlc::delivery_failed"), x.kind, x.story, x.channel, x.problem,
           x.at_ms);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, agent_job& x) {
  return f(caf::meta::type_name("sdlc::agent_job"), x.story, x.action, x.check, x.argv, x.env,
           x.cwd, x.wall_ms, x.idle_ms, x.result_grace_ms);
}

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

} // namespace sdlc
