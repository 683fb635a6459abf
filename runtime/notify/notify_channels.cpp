#include "runtime/notify/notify_channels.hpp"

#include "runtime/process/run_captured.hpp"
#include "runtime/util/environment.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/text.hpp"
#include "runtime/process/shell_command.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <unistd.h>

namespace sdlc {

namespace {

std::size_t discard(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

delivery_problem post_once(const std::string& url, const std::string& json,
                           std::chrono::milliseconds timeout) {
  static std::once_flag curl_once; // curl_easy_init's own would race between threads
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return "libcurl could not start a request";
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {0};
  auto* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  // Only http(s), also after a redirect: a webhook is never file:// or more.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  const auto rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    // libcurl's message may quote the URL: only the code's own words.
    return std::string(curl_easy_strerror(rc)) +
           (rc == CURLE_OPERATION_TIMEDOUT ? fmt::format(" ({} ms)", timeout.count()) : "");
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) return fmt::format("HTTP {}", status);
  return std::nullopt;
}

} // namespace

delivery_problem append_to_file(const std::filesystem::path& file, const std::string& json) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot open {}: {}", file.string(), std::strerror(errno));
  // One write of a whole line: with O_APPEND, lines of two writers never mix.
  const auto line = json + "\n";
  const auto n = ::write(fd, line.data(), line.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()))
    return fmt::format("cannot write {}: {}", file.string(),
                       n < 0 ? std::strerror(err) : "short write");
  return std::nullopt;
}

delivery_problem run_notify_command(const std::string& command, const std::string& json,
                                    const std::filesystem::path& cwd,
                                    std::chrono::milliseconds timeout, const std::string& event,
                                    const std::string& story) {
  fs::scratch_file input(json);
  if (input.path().empty()) return "cannot write the event for the command's stdin";
  spawn_spec spec;
  spec.argv = command_argv(command, cwd.string());
  spec.cwd = cwd;
  spec.env = environment_with({{"SDLC_EVENT", event}, {"SDLC_STORY", story}});
  spec.stdin_file = input.path();
  try {
    auto r = run_captured(spec, timeout);
    if (r.timed_out)
      return fmt::format("killed after {} ms (notification.timeoutMs)", timeout.count());
    if (!r.ok())
      return fmt::format("{}{}", r.exit.describe(),
                         r.err.empty() ? "" : ": " + trim(r.err.substr(0, 500)));
  } catch (const std::exception& e) {
    return e.what();
  }
  return std::nullopt;
}

delivery_problem post_webhook(const std::string& url, const std::string& json,
                              std::chrono::milliseconds timeout) {
  auto first = post_once(url, json, timeout);
  if (!first) return std::nullopt;
  auto second = post_once(url, json, timeout);
  if (!second) return std::nullopt;
  return fmt::format("{}; retried: {}", *first, *second);
}

std::string redact_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "[a URL]";
  auto host_start = scheme + 3;
  auto host_end = url.find_first_of("/?#", host_start);
  auto host = url.substr(host_start,
                         host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return url.substr(0, host_start) + host + (host_end == std::string::npos ? "" : "/…");
}

} // namespace sdlc
