#pragma once
// Which story files a board has, each by its identity (board_index.hpp), and
// when that was looked at: a cheap way to know that nothing a scan would read
// has changed. run --watch looks at the board every few seconds, and
// planning it again each time (the index read and decoded, every story
// rebuilt, the plan made) cost ~0.1 s of CPU at 10,000 stories on the
// scheduler's thread while nothing changed; the listing, one lstat per
// story, costs a third of that.
#include "runtime/story/board_index.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sdlc {

struct board_problem {
  std::filesystem::path file;
  std::string message;
  bool duplicate = false; // a readable story whose id another one uses (a warning)
};

struct board_listing {
  // In the board's listing order; no identity for a link (not vetted here).
  std::vector<std::pair<std::filesystem::path, std::optional<file_identity>>> files;
  std::vector<board_problem> problems; // unreadable entries where a story should be
  std::int64_t taken_at_ns = 0;        // wall clock, taken before the listing
};

// Whether `now` shows the board as `before` did, such that a scan now reads
// exactly what a scan made right after `before` read: the same files with the
// same identities, each of them settled when `before` was taken (a write
// since then would have moved its timestamps), no link and no problem.
bool unchanged_since(const board_listing& before, const board_listing& now);

} // namespace sdlc
