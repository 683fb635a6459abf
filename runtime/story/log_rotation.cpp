#include "runtime/story/log_rotation.hpp"

#include <algorithm>

namespace sdlc {

namespace stdfs = std::filesystem;

std::vector<stdfs::path> logs_beyond(std::vector<stdfs::path> logs, int keep) {
  std::sort(logs.begin(), logs.end(), [](const stdfs::path& a, const stdfs::path& b) {
    return a.filename() > b.filename(); // newest first
  });
  if (keep < 1) keep = 1;
  if (logs.size() <= static_cast<std::size_t>(keep)) return {};
  return {logs.begin() + keep, logs.end()};
}

void rotate_story_logs(const stdfs::path& logs_dir, int keep, const stdfs::path& current) {
  std::error_code ec;
  std::vector<stdfs::path> logs;
  for (const auto& e : stdfs::directory_iterator(logs_dir, ec))
    if (e.path().extension() == ".log" && e.is_regular_file(ec)) logs.push_back(e.path());
  for (const auto& old : logs_beyond(std::move(logs), keep))
    if (old != current) stdfs::remove(old, ec);
}

} // namespace sdlc
