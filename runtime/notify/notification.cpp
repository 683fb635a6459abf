#include "runtime/notify/notification.hpp"

#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ostream>

namespace sdlc {

namespace {

constexpr std::array<std::string_view, 8> names = {
    "story_blocked",  "story_failed", "awaiting_approval", "parked",
    "budget_reached", "story_landed", "pr_opened",         "run_finished"};

std::string iso_of(int64_t at_ms) {
  return time::to_iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms)));
}

// ai-sdlc's `title` is a headline of the event; ours says what happened.
std::string headline(const notification& n) {
  switch (n.kind) {
  case notification_kind::story_blocked:
    return "blocked";
  case notification_kind::story_failed:
    return "failed";
  case notification_kind::awaiting_approval:
    return "awaiting approval";
  case notification_kind::parked:
    return "parked on the API's usage limit";
  case notification_kind::budget_reached:
    return "the run's budget is reached";
  case notification_kind::story_landed:
    return "landed";
  case notification_kind::pr_opened:
    return "pull request opened";
  case notification_kind::run_finished:
    return "run finished";
  }
  return "";
}

} // namespace

std::string_view to_string(notification_kind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < names.size() ? names[i] : "?";
}

std::ostream& operator<<(std::ostream& out, notification_kind k) {
  return out << to_string(k);
}

std::optional<notification_kind> notification_kind_named(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<notification_kind>(i);
  return std::nullopt;
}

std::vector<std::string> notification_kind_names() {
  std::vector<std::string> out;
  for (auto k : all_notification_kinds())
    out.emplace_back(to_string(k));
  return out;
}

const std::vector<notification_kind>& all_notification_kinds() {
  static const std::vector<notification_kind> all = [] {
    std::vector<notification_kind> v;
    for (std::size_t i = 0; i < names.size(); ++i)
      v.push_back(static_cast<notification_kind>(i));
    return v;
  }();
  return all;
}

bool needs_action(notification_kind k) {
  return k == notification_kind::story_blocked || k == notification_kind::story_failed ||
         k == notification_kind::awaiting_approval || k == notification_kind::budget_reached;
}

nlohmann::json to_json(const notification& n) {
  nlohmann::json j;
  j["event"] = std::string(to_string(n.kind));
  if (!n.story.empty()) j["story"] = n.story;
  if (n.kind == notification_kind::run_finished)
    j["summary"] = n.reason;
  else
    j["reason"] = n.reason;
  j["run"] = n.run;
  j["at"] = iso_of(n.at_ms);
  // ai-sdlc's Notification, field for field.
  j["type"] = std::string(to_string(n.kind));
  j["storyId"] = n.story;
  j["title"] = n.title.empty() ? headline(n) : n.title;
  j["message"] = n.reason;
  j["timestamp"] = j["at"];
  j["actionRequired"] = needs_action(n.kind);
  // Slack and Teams show `text`.
  j["text"] = n.story.empty() ? fmt::format("sdlc-actors: {}: {}", headline(n), n.reason)
                              : fmt::format("sdlc-actors: {} {}{}: {}", n.story, headline(n),
                                            n.title.empty() ? "" : " (" + n.title + ")", n.reason);
  return j;
}

std::string console_line(const notification& n) {
  return fmt::format("{} [{}] {}: {} - {}", needs_action(n.kind) ? "[ACTION REQUIRED]" : "[INFO]",
                     to_string(n.kind), n.story.empty() ? "run " + n.run : n.story,
                     n.title.empty() ? headline(n) : n.title, n.reason);
}

std::string describe(const delivery_failed& f) {
  return fmt::format("notification {}{} not delivered by {}: {}", to_string(f.kind),
                     f.story.empty() ? "" : " (" + f.story + ")", f.channel, f.problem);
}

notification_picker::notification_picker(std::string run, std::set<notification_kind> selected)
    : run_(std::move(run)), selected_(std::move(selected)) {}

void notification_picker::add_title(const std::string& story, const std::string& title) {
  titles_[story] = title;
}

std::optional<notification> notification_picker::make(notification_kind k, const std::string& story,
                                                      const std::string& reason, int64_t at_ms) {
  if (!selected_.count(k)) return std::nullopt;
  // A story blocked says so twice (the event, then its end with the same or
  // a vaguer reason): one notification per story for blocked and failed.
  const bool once_per_story = k == notification_kind::story_blocked ||
                              k == notification_kind::story_failed ||
                              k == notification_kind::budget_reached;
  const auto key = std::make_tuple(k, story, once_per_story ? std::string() : reason);
  if (!sent_.insert(key).second) return std::nullopt;
  notification n{k, story, {}, reason, run_, at_ms};
  if (auto t = titles_.find(story); t != titles_.end()) n.title = t->second;
  return n;
}

std::optional<notification> notification_picker::pick(const story_event& e) {
  switch (e.kind) {
  case event_kind::blocked: // the action that failed, then why
    return make(notification_kind::story_blocked, e.story,
                e.action == action_type::none ? e.text
                                              : fmt::format("{}: {}", to_string(e.action), e.text),
                e.at_ms);
  case event_kind::parked:
    return make(notification_kind::parked, e.story, e.text, e.at_ms);
  default:
    return std::nullopt;
  }
}

std::optional<notification> notification_picker::pick(const story_finished& f) {
  switch (f.result) {
  case story_result::blocked:
    return make(notification_kind::story_blocked, f.story, f.detail, f.at_ms);
  case story_result::failed:
    return make(notification_kind::story_failed, f.story, f.detail, f.at_ms);
  case story_result::awaiting_approval:
    return make(notification_kind::awaiting_approval, f.story, f.detail, f.at_ms);
  default:
    return std::nullopt;
  }
}

std::optional<notification> notification_picker::pick(const story_waiting& w) {
  // Every story that cannot start says the budget is spent: one for the run.
  if (w.cause == wait_cause::budget)
    return make(notification_kind::budget_reached, "", w.text, w.at_ms);
  return std::nullopt;
}

std::optional<notification> notification_picker::pick(const landing_event& e) {
  switch (e.kind) {
  case landing_kind::landed:
    return make(notification_kind::story_landed, e.story, e.text, e.at_ms);
  case landing_kind::pr_opened:
    return make(notification_kind::pr_opened, e.story, e.text, e.at_ms);
  case landing_kind::blocked:
    return make(notification_kind::story_blocked, e.story, "landing: " + e.text, e.at_ms);
  default:
    return std::nullopt;
  }
}

std::optional<notification> notification_picker::run_finished(const std::string& summary,
                                                              int64_t at_ms) {
  return make(notification_kind::run_finished, "", summary, at_ms);
}

} // namespace sdlc
