#include "runtime/notify/test_notification.hpp"

#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace sdlc {

bool notify_test_result::delivered() const {
  return std::all_of(channels.begin(), channels.end(),
                     [](const channel_delivery& d) { return !d.problem; });
}

notify_test_result send_test_notification(const board& b, notification_kind kind,
                                          const std::string& story_id, std::ostream& console) {
  const auto& s = b.cfg().notification;
  const auto origin = b.cfg().file.empty() ? std::string("the defaults") : b.rel(b.cfg().file);
  if (!s.enabled)
    throw failure(fmt::format("notification.enabled is false ({}): a run sends no notification; "
                              "`sdlc-actors config notification.enabled true` turns them on",
                              origin));
  if (s.channels.empty())
    throw failure(fmt::format("notification.channels is empty ({}): a run sends no notification; "
                              "e.g. `sdlc-actors config notification.channels '[console]'`",
                              origin));
  notify_test_result r;
  r.sent.kind = kind;
  if (!story_id.empty()) {
    auto st = b.find(story_id); // throws, naming it, when it is not on the board
    r.sent.story = st.id();
    r.sent.title = st.title();
  }
  r.sent.reason = "a test notification from `sdlc-actors notify --test`; nothing needs you";
  r.sent.run = "test";
  r.sent.at_ms = time::now_ms();
  const auto kind_name = std::string(to_string(kind));
  r.in_events = std::find(s.events.begin(), s.events.end(), kind_name) != s.events.end();
  if (s.uses("console")) {
    console << console_line(r.sent) << "\n";
    r.channels.push_back({"console", std::nullopt});
  }
  for (auto& d : deliver_to_channels(r.sent, s, b.sdlc_dir() / s.file_path, b.project_root()))
    r.channels.push_back(std::move(d));
  return r;
}

namespace {

// The setting to look at when a channel did not deliver.
std::string key_of(const std::string& channel) {
  if (channel == "file") return "notification.filePath";
  if (channel == "command") return "notification.command";
  return "notification.webhookUrl";
}

} // namespace

std::string notify_test_text(const notify_test_result& r, const term::style& st) {
  std::size_t width = 0;
  for (const auto& d : r.channels)
    width = std::max(width, d.channel.size());
  std::string out;
  for (const auto& d : r.channels)
    out += fmt::format("  {:<{}}  {}\n", d.channel, width,
                       d.problem
                           ? st.red("not delivered: ") + *d.problem + " (" + key_of(d.channel) + ")"
                           : st.green("delivered"));
  if (!r.in_events)
    out += fmt::format("note: notification.events does not have {}: a run would not send it\n",
                       to_string(r.sent.kind));
  return out;
}

nlohmann::json notify_test_json(const notify_test_result& r) {
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& d : r.channels) {
    nlohmann::json c{{"channel", d.channel}, {"delivered", !d.problem}};
    if (d.problem) {
      c["problem"] = *d.problem;
      c["key"] = key_of(d.channel);
    }
    channels.push_back(std::move(c));
  }
  return {{"sent", to_json(r.sent)},
          {"delivered", r.delivered()},
          {"in_events", r.in_events},
          {"channels", std::move(channels)}};
}

} // namespace sdlc
