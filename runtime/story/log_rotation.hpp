#pragma once
// Per-story run logs rotate as ai-sdlc's do (logging.maxFiles, default 5:
// the newest N `*.log` files of a story stay) — and, where ai-sdlc caps only
// its global log, a story log past logging.maxFileSizeMb goes on in a new file.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace sdlc {

struct log_limits {
  int max_files = 5;                    // logging.maxFiles
  std::uintmax_t max_bytes = 10u << 20; // logging.maxFileSizeMb
};

// The logs to delete so that the `keep` newest stay. Names are ISO-8601
// timestamps, so the name order is the time order (as ai-sdlc sorts them).
std::vector<std::filesystem::path> logs_beyond(std::vector<std::filesystem::path> logs, int keep);

// Deletes a story's oldest run logs beyond `keep`, never `current`; best effort
// (a log another process removed first is fine).
void rotate_story_logs(const std::filesystem::path& logs_dir, int keep,
                       const std::filesystem::path& current);

} // namespace sdlc
