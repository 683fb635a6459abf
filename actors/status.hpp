#pragma once
#include "actors/actors.hpp"
#include "actors/notifier.hpp"
#include "runtime/notify/notification.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
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
  // The run's notifications (none: notification.enabled is false). The
  // console channel is printed here, with the dashboard; the others go to a
  // notifier the status spawns (and links: it goes with the status).
  struct notifications {
    notification_picker picker;
    bool console = false;
    std::optional<notifier_options> notifier;
  };
  std::optional<notifications> notify;
};

status_actor spawn_status(caf::actor_system& sys, status_options opts);

} // namespace sdlc
