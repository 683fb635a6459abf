#pragma once
// Telling a person when a story needs them (docs/notifications.md): which of
// a run's events are worth a notification, and what one says. The picker is
// pure — it reads the run's typed events and decides — so the status actor
// only forwards what it returns, and the choice is unit-tested without
// actors, processes or sockets. Delivery is runtime/notify/notify_channels.
#include "runtime/events/run_events.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace sdlc {

enum class notification_kind : uint8_t {
  story_blocked,     // needs a person: a limit, a budget, a failed dependency
  story_failed,      // an error the workflow could not handle
  awaiting_approval, // its plan (or PR) waits for `approve` or `feedback`
  parked,            // the API's usage limit: resumes by itself at a time
  budget_reached,    // the run's budget is spent: no story starts
  story_landed,      // its work is on the base branch
  pr_opened,         // its pull request is open
  run_finished,      // the summary line
};

std::string_view to_string(notification_kind k);
std::ostream& operator<<(std::ostream& out, notification_kind k);
// The kind a `notification.events` entry names; nullopt for an unknown name.
std::optional<notification_kind> notification_kind_named(std::string_view name);
// Every kind, in declaration order (the default of notification.events).
const std::vector<notification_kind>& all_notification_kinds();
// Their names, in the same order (what notification.events and --event take).
std::vector<std::string> notification_kind_names();
// Whether a person has to act (ai-sdlc's actionRequired).
bool needs_action(notification_kind k);

struct notification {
  notification_kind kind = notification_kind::run_finished;
  std::string story; // empty for the run's own events
  std::string title; // the story's title, when known
  std::string reason;
  std::string run; // the run id (its journal's folder)
  int64_t at_ms = 0;
};

// A channel could not deliver one (the notifier tells the status, which
// prints it and journals it). `channel` names a webhook by redact_url only.
struct delivery_failed {
  notification_kind kind = notification_kind::run_finished;
  std::string story;
  std::string channel;
  std::string problem;
  int64_t at_ms = 0;
};
// "notification story_blocked (S-0002) not delivered by webhook http://h/…: HTTP 500"
std::string describe(const delivery_failed& f);

// The JSON a channel delivers: ours (event, story, reason, summary, run, at),
// ai-sdlc's notification fields (type, storyId, title, message, timestamp,
// actionRequired) so a notifications.log reads as ai-sdlc's does, and `text`
// — one line for Slack and Teams incoming webhooks.
nlohmann::json to_json(const notification& n);
// The console channel's line, as ai-sdlc prints it:
// "[ACTION REQUIRED] [story_blocked] S-0001: Title - reason".
std::string console_line(const notification& n);

// Decides which events become notifications. Each story's blocked, failed
// and awaiting-approval notification is sent once per reason (the blocked
// event and the story's end say the same thing twice), the budget once per
// run; `selected` is notification.events.
class notification_picker {
public:
  notification_picker(std::string run, std::set<notification_kind> selected);

  void add_title(const std::string& story, const std::string& title);
  std::optional<notification> pick(const story_event& e);
  std::optional<notification> pick(const story_finished& f);
  std::optional<notification> pick(const story_waiting& w);
  std::optional<notification> pick(const landing_event& e);
  std::optional<notification> run_finished(const std::string& summary, int64_t at_ms);

private:
  std::optional<notification> make(notification_kind k, const std::string& story,
                                   const std::string& reason, int64_t at_ms);

  std::string run_;
  std::set<notification_kind> selected_;
  std::map<std::string, std::string> titles_;
  std::set<std::tuple<notification_kind, std::string, std::string>> sent_;
};

} // namespace sdlc
