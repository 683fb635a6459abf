#pragma once
#include <caf/actor_system_config.hpp>

namespace sdlc {

// The actor system configuration every sdlc-actors process uses: registers the
// whole message vocabulary (actors/messages.hpp).
class system_config : public caf::actor_system_config {
public:
  system_config();
};

} // namespace sdlc
