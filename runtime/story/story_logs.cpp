#include "runtime/story/story_logs.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

namespace stdfs = std::filesystem;

std::vector<stdfs::path> story_log_files(const stdfs::path& dir) {
  std::vector<stdfs::path> files;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir, ec))
    if (e.path().extension() == ".log") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

stdfs::path pick_story_log(const std::vector<stdfs::path>& files, const std::string& timestamp,
                           const stdfs::path& dir) {
  std::vector<stdfs::path> matches;
  for (const auto& f : files) {
    auto stem = f.stem().string();
    if (stem == timestamp) return f;
    if (!timestamp.empty() && stem.compare(0, timestamp.size(), timestamp) == 0)
      matches.push_back(f);
  }
  if (matches.size() == 1) return matches.front();
  std::vector<std::string> stems;
  for (const auto& f : files)
    stems.push_back(f.stem().string());
  throw bad_input(fmt::format("{} log file for '{}' in {}; {}",
                              matches.empty() ? "no" : "more than one", timestamp, dir.string(),
                              stems.empty()
                                  ? std::string("there are none yet")
                                  : fmt::format("give one of: {}", fmt::join(stems, ", "))));
}

std::string last_lines(const std::string& text, int n) {
  if (n <= 0) return {};
  std::size_t pos = text.size();
  if (pos > 0 && text.back() == '\n') --pos;
  while (n > 0 && pos > 0) {
    auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
    --n;
  }
  return n > 0 ? text : text.substr(pos + 1);
}

} // namespace sdlc
