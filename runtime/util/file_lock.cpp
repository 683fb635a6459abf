#include "runtime/util/file_lock.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace sdlc {

namespace {

std::string holder_text() {
  return fmt::format("pid {}\nsince {}\ncommand {}\n", ::getpid(), time::now_iso8601(),
                     self_command_line());
}

} // namespace

bool process_alive(long pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  // A zombie still answers kill(); its state in /proc says it is dead.
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (std::getline(stat, line)) {
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return false;
  }
  return true;
}

std::string describe_holder(const std::optional<lock_holder>& holder) {
  if (!holder) return "an unknown process";
  return fmt::format("pid {} ({}) since {}", holder->pid,
                     holder->command.empty() ? "?" : holder->command, holder->since);
}

std::string self_command_line() {
  // Read once: every lock taken writes it into its file, and it does not
  // change while the process runs (9 reads of /proc per story before).
  static const std::string line = [] {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!raw.empty() && raw.back() == '\0')
      raw.pop_back();
    for (auto& c : raw)
      if (c == '\0') c = ' ';
    return raw.size() > 200 ? raw.substr(0, 200) + "..." : raw;
  }();
  return line;
}

std::optional<lock_holder> file_lock::read_holder(const std::filesystem::path& lock_file) {
  std::ifstream in(lock_file);
  if (!in) return std::nullopt;
  lock_holder h;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("pid ", 0) == 0)
      h.pid = std::strtol(line.c_str() + 4, nullptr, 10);
    else if (line.rfind("since ", 0) == 0)
      h.since = line.substr(6);
    else if (line.rfind("command ", 0) == 0)
      h.command = line.substr(8);
  }
  if (h.pid == 0) return std::nullopt;
  h.alive = process_alive(h.pid);
  return h;
}

bool file_lock::held(const std::filesystem::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  bool taken = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd); // drops our shared lock, if we got one
  return taken;
}

void file_lock::remove_if_free(const std::filesystem::path& lock_file) noexcept {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  // Unlinked under the lock, as a release does: an acquirer that opened the
  // file before sees the inode change after its flock and starts again.
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && fs::same_file(fd, lock_file))
    ::unlink(lock_file.c_str());
  ::close(fd);
}

file_lock::file_lock(std::filesystem::path lock_file, std::chrono::milliseconds timeout,
                     std::string what, on_release release)
    : path_(std::move(lock_file)), release_(release) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw failure(fmt::format("cannot create lock file {} for {}: {}", path_.string(), what,
                                std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      // The previous holder may have unlinked the file between our open and
      // flock; then we hold a lock on a file nobody else can see. Retry.
      if (fs::same_file(fd, path_)) {
        fd_ = fd;
        break;
      }
      ::close(fd);
      continue;
    }
    ::close(fd);
    if (clock::now() >= deadline) {
      const auto who = describe_holder(read_holder(path_));
      throw failure(fmt::format(
          "timed out after {} ms waiting for the lock on {}: held by {}. Wait for it to finish, "
          "or raise locks.timeoutMs in the config (lock file: {})",
          timeout.count(), what, who, path_.string()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(25));
  }
  // We hold the lock. Content left by a holder that died means a takeover.
  if (auto previous = read_holder(path_);
      previous && previous->pid != ::getpid() && !previous->alive)
    took_over_ = previous;
  auto text = holder_text();
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, text.data(), text.size(), 0) < 0) {
    // The content is only diagnostic; the flock is what protects.
  }
}

file_lock::~file_lock() {
  if (fd_ >= 0) {
    // Unlink while still holding the lock so no one can acquire a file that is
    // about to disappear (acquirers re-check the inode after flock) — and
    // only our own file: if someone replaced it, the new one is theirs.
    // A kept file is emptied instead, so that it names no holder.
    if (release_ == on_release::keep_file) {
      if (::ftruncate(fd_, 0) != 0) {
        // Diagnostic content only: flock is what protects.
      }
    } else if (fs::same_file(fd_, path_)) {
      ::unlink(path_.c_str());
    }
    ::close(fd_);
  }
}

} // namespace sdlc
