#include "runtime/report/run_death.hpp"

#include "runtime/report/run_journal.hpp"
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

// Where the last whole line ends: the file's size, or less when a kill cut
// its last line short.
off_t end_of_last_whole_line(int fd, off_t size, const stdfs::path& file) {
  char chunk[4096];
  off_t end = size;
  while (end > 0) {
    const auto n = static_cast<off_t>(std::min<off_t>(end, sizeof chunk));
    if (::pread(fd, chunk, static_cast<std::size_t>(n), end - n) != n) fail(file, "read");
    for (off_t i = n; i > 0; --i)
      if (chunk[i - 1] == '\n') return end - n + i;
    end -= n;
  }
  return 0;
}

} // namespace

bool journal_has_an_end(const stdfs::path& file) {
  try {
    for (const auto& l : read_journal(file)) {
      const auto event = l.value("event", "");
      if (event == "run_finished" || event == "run_died") return true;
    }
  } catch (const error&) {
    // Unreadable or damaged: a line at its end still says how the run ended.
  }
  return false;
}

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

void end_dead_journal(const stdfs::path& file, const nlohmann::json& line) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) fail(file, "open");
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_it{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(file, "read");
  const auto end = end_of_last_whole_line(fd, st.st_size, file);
  if (end < st.st_size && ::ftruncate(fd, end) != 0) fail(file, "repair");
  const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (::pwrite(fd, text.data(), text.size(), end) != static_cast<ssize_t>(text.size()))
    fail(file, "write");
  if (::fdatasync(fd) != 0) fail(file, "sync");
}

} // namespace sdlc
