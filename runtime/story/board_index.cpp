#include "runtime/story/board_index.hpp"

#include "runtime/story/board_index_codec.hpp"

#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sys/stat.h>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Index files of boards nobody has looked at for a month (test boards, deleted
// projects) go when another index is written.
void prune_stale(const stdfs::path& folder, const stdfs::path& keep) {
  std::error_code ec;
  const auto cutoff = stdfs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  for (const auto& e : stdfs::directory_iterator(folder, ec)) {
    std::error_code e2;
    if (e.path() != keep && e.path().extension() == ".cbor" &&
        stdfs::last_write_time(e.path(), e2) < cutoff && !e2)
      stdfs::remove(e.path(), e2);
  }
}

} // namespace

bool file_identity::operator==(const file_identity& o) const {
  return device == o.device && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns &&
         ctime_ns == o.ctime_ns;
}

namespace {
file_identity identity_from(const struct stat& st) {
  file_identity id;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = ns_of(st.st_mtim);
  id.ctime_ns = ns_of(st.st_ctim);
  return id;
}
} // namespace

std::optional<file_identity> identity_of(const stdfs::path& file, bool follow_links) {
  struct stat st {};
  if ((follow_links ? ::stat(file.c_str(), &st) : ::lstat(file.c_str(), &st)) != 0)
    return std::nullopt;
  return identity_from(st);
}

std::optional<file_identity> plain_file_identity(const stdfs::path& file) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return identity_from(st);
}

bool settled(const file_identity& id, std::int64_t read_at_ns, std::int64_t granularity_ns) {
  return id.mtime_ns + granularity_ns < read_at_ns && id.ctime_ns + granularity_ns < read_at_ns;
}

board_index board_index::load(const stdfs::path& index_file, const stdfs::path& sdlc_dir) {
  board_index idx;
  idx.file_ = index_file;
  idx.board_ = sdlc_dir.string();
  std::error_code ec;
  if (!stdfs::is_regular_file(index_file, ec)) return idx;
  try {
    // Torn, foreign or from another format: start over.
    if (auto entries = decode_index(fs::read_file(index_file, 1u << 30), idx.board_))
      idx.entries_ = std::move(*entries);
  } catch (const std::exception&) {
    // Unreadable: the same.
  }
  idx.index_paths();
  return idx;
}

void board_index::index_paths() {
  by_path_.clear();
  by_path_.reserve(entries_.size());
  for (auto& [file, e] : entries_)
    by_path_.emplace(file, &e);
}

index_entry* board_index::find(const std::string& file, const file_identity& id) {
  auto it = by_path_.find(file);
  return it != by_path_.end() && it->second->identity == id ? it->second : nullptr;
}

bool board_index::holds_exactly(const std::vector<index_entry_view>& entries) const {
  if (entries.size() != entries_.size()) return false;
  // Paths are unique: as many, each held with its identity, is the same set.
  for (const auto& e : entries) {
    auto it = by_path_.find(*e.file);
    if (it == by_path_.end() || it->second->identity != *e.identity) return false;
  }
  return true;
}

void board_index::save(std::vector<index_entry_view> entries) {
  by_path_.clear();
  entries_.clear();
  if (file_.empty()) return;
  auto bytes = encode_index(board_, std::move(entries));
  try {
    std::error_code ec;
    stdfs::create_directories(file_.parent_path(), ec);
    fs::atomic_write(file_,
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    prune_stale(file_.parent_path(), file_);
  } catch (const std::exception&) {
    // A read-only or full cache folder costs speed, never a command.
  }
}

std::optional<stdfs::path> index_file_for(const stdfs::path& sdlc_dir) {
  stdfs::path folder;
  const char* setting = std::getenv("SDLC_BOARD_INDEX");
  if (setting && std::string(setting) == "off") return std::nullopt;
  if (setting && *setting == '/')
    folder = setting;
  else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
    folder = stdfs::path(xdg) / "sdlc-actors" / "board-index";
  else if (const char* home = std::getenv("HOME"); home && *home == '/')
    folder = stdfs::path(home) / ".cache" / "sdlc-actors" / "board-index";
  else
    return std::nullopt;
  // FNV-1a of the board's path: one file per board, a short stable name.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : sdlc_dir.string()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return folder / fmt::format("{:016x}.cbor", h);
}

} // namespace sdlc
