#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <ctime>

namespace sdlc::time {

std::string to_iso8601(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_iso8601() {
  return to_iso8601(std::chrono::system_clock::now());
}

namespace {
std::string formatted(std::time_t t, const char* format, bool local) {
  std::tm tm{};
  if (local)
    localtime_r(&t, &tm);
  else
    gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}
} // namespace

std::string today() {
  return formatted(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()),
                   "%Y-%m-%d", false);
}

std::string format_local_hms(int64_t epoch_ms) {
  return formatted(static_cast<std::time_t>(epoch_ms / 1000), "%H:%M:%S", true);
}

} // namespace sdlc::time
