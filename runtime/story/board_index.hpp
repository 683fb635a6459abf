#pragma once
// What a board scan remembers between commands: each story file's values
// (frontmatter_fields), keyed by the file's identity (device, inode, size,
// mtime, ctime). A file whose identity is unchanged is not parsed again —
// 10,000 YAML parses were most of `status` — and any change to it, even one
// that restores the old mtime, changes its ctime and makes it read fresh.
//
// The index is never trusted over the file: an entry is written only for a
// file whose timestamps are older than the read by more than the
// filesystem's granularity (git's "racily clean" rule), since a change within
// the same tick would leave size and timestamps as they were. It lives in the
// user's cache folder, outside the project: nothing for git to see, commit or
// merge, and losing it costs one slower scan.
#include "runtime/story/frontmatter_value.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sdlc {

struct file_identity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  bool operator==(const file_identity& o) const;
  bool operator!=(const file_identity& o) const { return !(*this == o); }
};

// stat(2) of `file` (lstat(2) with follow_links false); nullopt when it
// cannot be read.
std::optional<file_identity> identity_of(const std::filesystem::path& file,
                                         bool follow_links = true);
// The same when `file` is a regular file (not a link); else nullopt.
std::optional<file_identity> plain_file_identity(const std::filesystem::path& file);

// Whether a file with `id`, read at `read_at_ns` (a time taken before the
// read), can be remembered: both its timestamps are older than the read by
// more than `granularity_ns`, so a later write cannot keep them unchanged.
bool settled(const file_identity& id, std::int64_t read_at_ns, std::int64_t granularity_ns);

// Two seconds: the coarsest timestamps among the filesystems a board may live
// on (FAT); ext4 and xfs tick every few milliseconds.
constexpr std::int64_t timestamp_granularity_ns = 2'000'000'000;

struct index_entry {
  file_identity identity;
  frontmatter_fields fields;
  std::string last_review_decision;
};

// What a scan writes of one story: references into the stories it read, so
// writing the index does not copy every story's values first.
struct index_entry_view {
  const std::string* file;
  const file_identity* identity;
  const frontmatter_fields* fields;
  const std::string* last_review_decision;
};

class board_index {
public:
  board_index() = default;
  // Moved, never copied: by_path_ points into entries_' nodes, which a move
  // hands over and a copy would not.
  board_index(board_index&&) = default;
  board_index& operator=(board_index&&) = default;
  board_index(const board_index&) = delete;
  board_index& operator=(const board_index&) = delete;

  // The index of the board at `sdlc_dir`, kept at `index_file` (empty when
  // there is none, or when it cannot be read or was written for another
  // board or format: it is only ever a cache).
  static board_index load(const std::filesystem::path& index_file,
                          const std::filesystem::path& sdlc_dir);

  // The entry for `file` if its identity is still `id`. A scan moves the
  // fields out of it (each file is taken once, so threads never share one).
  index_entry* find(const std::string& file, const file_identity& id);

  // Whether what a scan would write — the files it took from the index or
  // found settled, each with its identity — is exactly what the index holds:
  // then there is nothing to write.
  bool holds_exactly(const std::vector<index_entry_view>& entries) const;

  // Replaces the file's content with `entries` (in any order) atomically.
  // The entries in memory are dropped: a scan has moved their values out
  // already. Failing to write costs the next scan time, never this command.
  void save(std::vector<index_entry_view> entries);

  std::size_t size() const { return entries_.size(); }

private:
  std::filesystem::path file_;
  std::string board_;
  std::map<std::string, index_entry> entries_; // in order: as written
  // The same entries by path, hashed: a scan looks each file up once, and a
  // tree's compares of absolute paths (long shared prefixes) were a twentieth
  // of a 100,000-story scan.
  std::unordered_map<std::string_view, index_entry*> by_path_;
  void index_paths();
};

// Where the index of the board at `sdlc_dir` is kept:
// ${XDG_CACHE_HOME:-$HOME/.cache}/sdlc-actors/board-index/<hash>.cbor, or
// <folder>/<hash>.cbor with SDLC_BOARD_INDEX=<absolute folder>; nullopt when
// there is no cache folder or SDLC_BOARD_INDEX=off.
std::optional<std::filesystem::path> index_file_for(const std::filesystem::path& sdlc_dir);

} // namespace sdlc
