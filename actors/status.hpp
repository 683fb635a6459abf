#pragma once
#include "actors/actors.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sdlc {

struct status_options {
  int limit = 1;
  bool live = false; // a terminal: redraw the dashboard in place
  bool color = false;
  // (id, title, expected actions) in display order
  std::vector<std::tuple<std::string, std::string, int>> stories;
};

status_actor spawn_status(caf::actor_system& sys, status_options opts);

} // namespace sdlc
