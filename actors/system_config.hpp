#pragma once
#include <caf/actor_system_config.hpp>

namespace sdlc {

// The actor system configuration every sdlc-actors process uses: registers the
// whole message vocabulary (actors/messages.hpp). `network`: load CAF's
// middleman (a node, or a run with nodes).
class system_config : public caf::actor_system_config {
public:
  explicit system_config(bool network = false);
};

} // namespace sdlc
