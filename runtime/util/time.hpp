#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace sdlc::time {

// 2026-01-28T02:49:34.742Z, as ai-sdlc writes timestamps.
std::string now_iso8601();
std::string to_iso8601(std::chrono::system_clock::time_point t);
// Wall clock in milliseconds since the epoch (event timestamps).
int64_t now_ms();
// 2026-01-28, as ai-sdlc writes `created` / `updated`.
std::string today();
// 21:43:10 in local time, for "resumes at" messages.
std::string format_local_hms(int64_t epoch_ms);

} // namespace sdlc::time
