#include "runtime/notify/notify_delivery.hpp"

namespace sdlc {

std::vector<channel_delivery> deliver_to_channels(const notification& n,
                                                  const config::notification_settings& s,
                                                  const std::filesystem::path& file,
                                                  const std::filesystem::path& project_root) {
  std::vector<channel_delivery> out;
  const auto json = to_json(n).dump();
  if (s.uses("file")) out.push_back({"file", append_to_file(file, json)});
  if (s.uses("command") && s.command)
    out.push_back({"command", run_notify_command(*s.command, json, project_root, s.timeout,
                                                 std::string(to_string(n.kind)), n.story)});
  if (s.uses("webhook") && s.webhook_url)
    out.push_back(
        {"webhook " + redact_url(*s.webhook_url), post_webhook(*s.webhook_url, json, s.timeout)});
  return out;
}

} // namespace sdlc
