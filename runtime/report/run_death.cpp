#include "runtime/report/run_death.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

[[noreturn]] void fail(const stdfs::path& file, const char* doing) {
  throw failure(
      fmt::format("cannot {} the run journal {}: {}", doing, file.string(), std::strerror(errno)));
}

// Just past the last '\n' before `pos`, or 0: where the line holding `pos - 1`
// starts. At the file's size, that is where the last whole line ends (less
// than the size when a kill cut the last line short).
off_t after_newline_before(int fd, off_t pos, const stdfs::path& file) {
  char chunk[4096];
  while (pos > 0) {
    const auto n = static_cast<off_t>(std::min<off_t>(pos, sizeof chunk));
    if (::pread(fd, chunk, static_cast<std::size_t>(n), pos - n) != n) fail(file, "read");
    for (off_t i = n; i > 0; --i)
      if (chunk[i - 1] == '\n') return pos - n + i;
    pos -= n;
  }
  return 0;
}

// Whether the whole line [start, end) ends a run: it finished (run_finished is
// always its last line: actors/status), or a guard ended it already.
bool is_an_ending(int fd, off_t start, off_t end, const stdfs::path& file) {
  std::string text(static_cast<std::size_t>(end - start), '\0');
  if (::pread(fd, text.data(), text.size(), start) != static_cast<ssize_t>(text.size()))
    fail(file, "read");
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto event = j.value("event", "");
  return event == "run_finished" || event == "run_died";
}

} // namespace

nlohmann::json run_died_line(int64_t at_ms, long pid, const std::vector<stopped_group>& stopped) {
  nlohmann::json j;
  j["event"] = "run_died";
  j["at_ms"] = at_ms;
  j["pid"] = pid;
  auto& groups = j["stopped"] = nlohmann::json::array();
  for (const auto& g : stopped)
    groups.push_back({{"story", g.story}, {"what", g.what}, {"pgid", g.pgid}});
  return j;
}

bool end_dead_journal(const stdfs::path& file, const nlohmann::json& line) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) fail(file, "open");
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_it{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(file, "read");
  const auto end = after_newline_before(fd, st.st_size, file);
  if (end > 0 && is_an_ending(fd, after_newline_before(fd, end - 1, file), end, file)) return false;
  if (end < st.st_size && ::ftruncate(fd, end) != 0) fail(file, "repair");
  const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (::pwrite(fd, text.data(), text.size(), end) != static_cast<ssize_t>(text.size()))
    fail(file, "write");
  if (::fdatasync(fd) != 0) fail(file, "sync");
  return true;
}

} // namespace sdlc
