#pragma once
#include "actors/actors.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sdlc {

class run_journal;

struct status_options {
  int limit = 1;
  bool live = false; // a terminal: redraw the dashboard in place
  bool color = false;
  // (id, title, expected actions) in display order
  std::vector<std::tuple<std::string, std::string, int>> stories;
  // Where every event is also recorded (none: not recorded). The actor owns
  // it from here: it flushes each frame and closes it with the summary.
  std::shared_ptr<run_journal> journal;
};

status_actor spawn_status(caf::actor_system& sys, status_options opts);

} // namespace sdlc
