#include "runtime/util/fs.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <random>
#include <regex>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sdlc::fs {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string temp_name_for(const stdfs::path& file) {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937 rng{std::random_device{}()};
  return fmt::format(".{}.tmp.{}.{}.{:x}", file.filename().string(), ::getpid(), counter++, rng());
}

void fsync_directory(const stdfs::path& dir) {
  fd_guard d{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd); // best effort: some filesystems refuse fsync on directories
}

} // namespace

bool same_file(int fd, const stdfs::path& path) {
  struct stat a {};
  struct stat b {};
  if (::fstat(fd, &a) != 0 || ::stat(path.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string kind_of_file(unsigned mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

std::string read_file(const stdfs::path& file, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer that never comes.
  fd_guard f{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw failure(fmt::format("cannot read {}: {}", file.string(), errno_text()));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw failure(fmt::format("cannot stat {}: {}", file.string(), errno_text()));
  if (!S_ISREG(st.st_mode))
    throw bad_input(fmt::format("{} is {}, not a regular file; replace it by the file itself",
                                file.string(), kind_of_file(st.st_mode)));
  ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK);
  if (static_cast<std::size_t>(st.st_size) > max_bytes)
    throw bad_input(fmt::format("{} is {:.1f} MiB, larger than the {} MiB limit; is it really a "
                                "story? Move it off the board or split it",
                                file.string(), st.st_size / 1048576.0, max_bytes >> 20));
  // Files in /proc report size 0: read until EOF, growing as needed. One
  // byte more than the size, so that the read finding EOF has room: else a
  // full buffer was doubled first (a 43 MB board index zero-filled 86 MB).
  std::string out;
  out.resize(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 4096);
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (out.size() >= max_bytes)
        throw bad_input(
            fmt::format("{} is larger than the {} MiB limit", file.string(), max_bytes >> 20));
      out.resize(std::min(out.size() * 2, max_bytes));
    }
    auto n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failure(fmt::format("cannot read {}: {}", file.string(), errno_text()));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

namespace {

enum class sync { none, file_and_directory };

void replace_file(const stdfs::path& file, std::string_view content, sync how) {
  auto dir = file.parent_path();
  auto tmp = dir / temp_name_for(file);
  fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw failure(fmt::format("cannot write {}: {}", tmp.string(), errno_text()));
  auto fail = [&](const char* what) {
    auto msg = fmt::format("cannot {} {}: {} (the original {} is unchanged)", what, tmp.string(),
                           errno_text(), file.string());
    ::unlink(tmp.c_str());
    throw failure(msg);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    auto n = ::write(f.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  // Keep the original's permissions when there is one.
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) ::fchmod(f.fd, st.st_mode & 07777);
  if (how != sync::none && ::fsync(f.fd) != 0) fail("fsync");
  if (::close(f.fd) != 0) {
    f.fd = -1;
    fail("close");
  }
  f.fd = -1;
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("rename into place");
  if (how == sync::file_and_directory) fsync_directory(dir);
}

} // namespace

void atomic_write(const stdfs::path& file, std::string_view content) {
  replace_file(file, content, sync::file_and_directory);
}

void atomic_replace_cached(const stdfs::path& file, std::string_view content) {
  replace_file(file, content, sync::none);
}

namespace {

// FS_IOC_GETFLAGS and SETFLAGS read and write an int, whatever their
// declared type says (as e2fsprogs' chattr uses them).
std::optional<int> folder_flags(int fd) {
  int flags = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) return std::nullopt;
  return flags;
}

} // namespace

void spread_subfolders(const stdfs::path& dir) noexcept {
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return;
  auto flags = folder_flags(d.fd);
  if (!flags || (*flags & FS_TOPDIR_FL)) return;
  int wanted = *flags | FS_TOPDIR_FL;
  ::ioctl(d.fd, FS_IOC_SETFLAGS, &wanted); // refused where there is no such flag: a hint only
}

std::optional<bool> spreads_subfolders(const stdfs::path& dir) {
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return std::nullopt;
  auto flags = folder_flags(d.fd);
  if (!flags) return std::nullopt;
  return (*flags & FS_TOPDIR_FL) != 0;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return i;
    i += len;
  }
  return std::nullopt;
}

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

std::string display_path(const stdfs::path& file, const stdfs::path& base) {
  // Lexically first: a link is named where it is, not where it points.
  if (file.is_absolute() && base.is_absolute()) {
    auto lex = file.lexically_normal().lexically_relative(base.lexically_normal());
    if (!lex.empty() && *lex.begin() != "..") return lex.string();
  }
  std::error_code ec;
  auto rel = stdfs::relative(file, base, ec);
  if (ec || rel.empty() || *rel.begin() == "..") return file.string();
  return rel.string();
}

std::optional<long> leftover_writer_pid(std::string_view filename) {
  // Mirrors temp_name_for above and board::add's staging name.
  static const std::regex temp(R"(^\..+\.tmp\.([0-9]+)\.[0-9]+\.[0-9a-f]+$)");
  static const std::regex staging(R"(^\.new-([0-9]+)-[0-9a-f]+$)");
  std::string name(filename);
  std::smatch m;
  if (std::regex_match(name, m, temp) || std::regex_match(name, m, staging)) try {
      return std::stol(m[1].str());
    } catch (const std::exception&) {
    }
  return std::nullopt;
}

scratch_file::scratch_file(std::string_view content) {
  auto pattern = (stdfs::temp_directory_path() / "sdlc-scratch-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return;
  path_ = pattern;
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done < content.size()) { // a full disk: nothing half-written is handed on
    std::error_code ec;
    stdfs::remove(path_, ec);
    path_.clear();
  }
}

scratch_file::~scratch_file() {
  std::error_code ec;
  if (!path_.empty()) stdfs::remove(path_, ec);
}

} // namespace sdlc::fs
