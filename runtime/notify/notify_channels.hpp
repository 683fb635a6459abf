#pragma once
// Delivering one notification (docs/notifications.md): a JSON line appended
// to a file, a shell command with the JSON on its stdin, an HTTP POST with
// libcurl. Each call blocks for at most its timeout (a webhook: twice, for
// its one retry) and never throws: it says what went wrong, so a channel
// that fails costs a log line, never the run. Call from a detached actor.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

// What went wrong, for the run's log; nullopt: delivered.
using delivery_problem = std::optional<std::string>;

delivery_problem append_to_file(const std::filesystem::path& file, const std::string& json);

// `sh -c command` in `cwd` with `json` on stdin and SDLC_EVENT / SDLC_STORY
// set; a command that outlives `timeout` is killed with its process group.
delivery_problem run_notify_command(const std::string& command, const std::string& json,
                                    const std::filesystem::path& cwd,
                                    std::chrono::milliseconds timeout, const std::string& event,
                                    const std::string& story);

// POSTs `json` (Content-Type: application/json); a 2xx answer is delivered.
// A failure (no connection, a timeout, any other status) is tried once more.
delivery_problem post_webhook(const std::string& url, const std::string& json,
                              std::chrono::milliseconds timeout);

// A webhook URL as it may be shown: scheme and host only. Slack's, Teams' and
// most others' secret is their path or query, sometimes user:password@.
std::string redact_url(const std::string& url);

} // namespace sdlc
