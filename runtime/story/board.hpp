#pragma once
// The board: every story under <project>/<sdlcFolder>/, in the current layout
// (stories/<ID>/story.md) and the older ones real boards still contain
// (kanban folders backlog/ ready/ in-progress/ done/ holding <ID>/story.md or
// <slug>.md). Writes go through update(), which re-reads the story under its
// lock, applies the change and replaces the file atomically.
#include "runtime/config/config.hpp"
#include "runtime/story/board_index.hpp"
#include "runtime/story/board_listing.hpp"
#include "runtime/story/story.hpp"
#include "runtime/util/file_lock.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc {

class story_cache;

struct board_scan {
  std::vector<story> stories;          // in id order (then path)
  std::vector<board_problem> problems; // unreadable stories, duplicate ids
  std::size_t parsed = 0;              // story files parsed (the rest came from the index)
};

// What a scan reads of each story. Most commands need only the values
// (status, planning, the run's choices); a summary scan holds no YAML tree or
// body and takes unchanged stories from the board index without parsing them.
enum class scan_depth { summary, full };

struct new_story {
  std::string title;
  std::string type = "feature";
  std::optional<long> priority;
  std::vector<std::string> labels;
  std::vector<std::string> depends_on;
  story_status status = story_status::backlog;
  std::optional<std::string> body; // markdown; a default skeleton when absent
};

class board {
public:
  // Opens the board of the project at `project_root` (which must contain the
  // board folder unless `must_exist` is false).
  board(std::filesystem::path project_root, config cfg, bool must_exist = true);

  const std::filesystem::path& project_root() const { return root_; }
  std::filesystem::path sdlc_dir() const { return root_ / cfg_.sdlc_folder; }
  std::filesystem::path stories_dir() const { return sdlc_dir() / "stories"; }
  const config& cfg() const { return cfg_; }

  // Creates the board folders (idempotent). Returns what it created.
  std::vector<std::filesystem::path> init();

  board_scan scan(scan_depth depth = scan_depth::summary) const;
  // The story files a scan would read, by identity, without reading them.
  board_listing listing() const;
  // A scan of the files `listed` names, as a scan taken when it was would
  // have read them: for a caller that listed the board to see whether it
  // changed (run --watch), so that it is not listed twice.
  board_scan scan(scan_depth depth, const board_listing& listed) const;

  // By id (any case) or slug. Throws bad_input for an unsafe name, an unknown
  // story or an ambiguous slug.
  story find(std::string_view id_or_slug) const;

  // Allocates the next free id and writes the story. Safe against other
  // processes adding at the same time: the story directory appears complete in
  // one rename, and a taken id is detected by that rename failing.
  story add(const new_story& spec);

  // Read-modify-write under the story's lock. `change` may throw to abort; the
  // file is then untouched. Returns the story as written.
  story update(std::string_view id_or_slug, const std::function<void(story&)>& change);
  // The same for a story file already located (no board scan: callers that
  // touch one story many times, like a story session, use this). With a
  // cache, an unchanged file is not parsed again and what is written is
  // remembered in it. `lock` keep_file leaves the story's lock file for the
  // caller's next write; the caller removes it when done (release_story_lock).
  story update_file(const std::filesystem::path& file, const std::function<void(story&)>& change,
                    story_cache* cache = nullptr,
                    file_lock::on_release lock = file_lock::on_release::remove_file);
  // Removes the lock file that keep_file writes left, unless it is held now.
  static void release_story_lock(const std::filesystem::path& story_file) noexcept;

  // Lock file guarding a story file.
  static std::filesystem::path lock_file_for(const std::filesystem::path& story_file);

  // "Display" path relative to the project root.
  std::string rel(const std::filesystem::path& p) const;

private:
  // Story files, and what is where a story file should be but cannot be
  // read safely (a folder linked outside the board, a FIFO, a device, a
  // dangling link): reported, never silently skipped.
  // A plain file's identity comes with it (the lstat that vetted it), so a
  // scan need not stat each story again to look it up in the index.
  std::vector<std::pair<std::filesystem::path, std::optional<file_identity>>>
  story_files(std::vector<board_problem>& problems) const;
  board_scan read_listed(scan_depth depth, board_listing listed,
                         const std::optional<std::filesystem::path>& index_file,
                         board_index index) const;
  // Throws bad_input unless writing `file` stays inside the board and
  // replaces a regular file (a link would be replaced by a copy).
  void require_writable(const std::filesystem::path& file) const;

  std::filesystem::path root_;
  config cfg_;
};

// Locates the project root: the nearest directory at or above `start` that
// holds a config file or a board folder; else `start`.
std::filesystem::path find_project_root(const std::filesystem::path& start);

} // namespace sdlc
