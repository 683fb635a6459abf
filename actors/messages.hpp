#pragma once
// The message vocabulary between actors: plain structs with an inspect()
// overload. Every type here is registered in system_config.cpp, because an
// unregistered type serializes to 0 bytes without an error (NOTES-TOOLCHAIN)
// and these must be able to cross the network to a node.
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace sdlc {

// Something happened to a story; the status actor and the logs consume these.
struct story_event {
  std::string story_id;
  std::string kind;   // started, action_started, action_finished, tool_use, failed, ...
  std::string action; // the workflow action, when there is one
  std::string detail;
  int64_t at_ms = 0; // wall clock, milliseconds since the epoch
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, story_event& x) {
  return f(caf::meta::type_name("sdlc::story_event"), x.story_id, x.kind, x.action, x.detail,
           x.at_ms);
}

} // namespace sdlc
