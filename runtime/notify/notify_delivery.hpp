#pragma once
// One notification through the channels the config names — the file, the
// command, the webhook, in that order — and what each did. The notifier
// actor does this for a run's events and `notify --test` does it once, so a
// test takes exactly the way a run's notification would.
#include "runtime/config/config.hpp"
#include "runtime/notify/notification.hpp"
#include "runtime/notify/notify_channels.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

struct channel_delivery {
  std::string channel;      // "file", "command", "webhook https://host/…" (redact_url)
  delivery_problem problem; // nullopt: delivered
};

// The console is not among them: its line goes where the caller prints it
// (a run's output, or notify's). `file` is the file channel's file.
std::vector<channel_delivery> deliver_to_channels(const notification& n,
                                                  const config::notification_settings& s,
                                                  const std::filesystem::path& file,
                                                  const std::filesystem::path& project_root);

} // namespace sdlc
