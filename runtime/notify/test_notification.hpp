#pragma once
// `notify --test`: one notification sent the way a run sends one, so that a
// person can see their notification.* settings work before a run needs
// them (a webhook's URL, a command's quoting) — and what each channel did.
#include "runtime/console/terminal.hpp"
#include "runtime/notify/notify_delivery.hpp"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace sdlc {

class board;

struct notify_test_result {
  notification sent;
  bool in_events = true;                  // notification.events has its kind: a run would send it
  std::vector<channel_delivery> channels; // the console first when it printed the line
  bool delivered() const;                 // by every channel
};

// Sends a notification of `kind` (naming `story_id` and its title when not
// empty) through every channel of the board's config; the console's line
// goes to `console`. Throws sdlc::error when the config sends nothing
// (notification.enabled off, no channel) or the story is not on the board.
notify_test_result send_test_notification(const board& b, notification_kind kind,
                                          const std::string& story_id, std::ostream& console);

// One line per channel ("webhook https://host/…  not delivered: HTTP 404
// (notification.webhookUrl)").
std::string notify_test_text(const notify_test_result& r, const term::style& st);
nlohmann::json notify_test_json(const notify_test_result& r);

} // namespace sdlc
