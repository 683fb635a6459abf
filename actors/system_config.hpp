#pragma once
#include "runtime/remote/connection_timeout.hpp"
#include "runtime/remote/credentials.hpp"

#include <caf/actor_system_config.hpp>

#include <chrono>
#include <string>

namespace sdlc {

// Every type that travels in a message, with the name CAF registers it under
// — one list for system_config and for unit_actors' round-trip test.
template <class T> struct message_type_tag { using type = T; };
template <class F> void for_each_message_type(F&& f);

// The actor system configuration every sdlc-actors process uses: registers the
// whole message vocabulary (actors/messages.hpp). `network`: load CAF's
// middleman (a node, or a run with nodes).
class system_config : public caf::actor_system_config {
public:
  explicit system_config(bool network = false, const tls_files& tls = {},
                         std::chrono::milliseconds connection_timeout = default_connection_timeout);
};

} // namespace sdlc

#include "actors/actors.hpp"

namespace sdlc {

template <class F> void for_each_message_type(F&& f) {
  f(message_type_tag<story_event>{}, "sdlc::story_event");
  f(message_type_tag<agent_progress>{}, "sdlc::agent_progress");
  f(message_type_tag<usage_report>{}, "sdlc::usage_report");
  f(message_type_tag<process_started>{}, "sdlc::process_started");
  f(message_type_tag<story_waiting>{}, "sdlc::story_waiting");
  f(message_type_tag<story_finished>{}, "sdlc::story_finished");
  f(message_type_tag<landing_event>{}, "sdlc::landing_event");
  f(message_type_tag<limiter_stats>{}, "sdlc::limiter_stats");
  f(message_type_tag<concurrency_level>{}, "sdlc::concurrency_level");
  f(message_type_tag<notification>{}, "sdlc::notification");
  f(message_type_tag<delivery_failed>{}, "sdlc::delivery_failed");
  f(message_type_tag<agent_job>{}, "sdlc::agent_job");
  f(message_type_tag<agent_outcome>{}, "sdlc::agent_outcome");
  f(message_type_tag<permit_ask>{}, "sdlc::permit_ask");
  f(message_type_tag<permit_done>{}, "sdlc::permit_done");
  f(message_type_tag<node_hello>{}, "sdlc::node_hello");
  f(message_type_tag<node_info>{}, "sdlc::node_info");
  f(message_type_tag<remote_job>{}, "sdlc::remote_job");
}

} // namespace sdlc
