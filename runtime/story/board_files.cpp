// Where a board's stories are on disk — the current layout and ai-sdlc's
// older ones — and what may be read or written there: a story folder linked
// outside the board, a FIFO, a device or a dangling link where a story file
// should be is reported, never read or written through.
#include "runtime/story/board.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {
const char* kanban_folders[] = {"backlog", "ready", "in-progress", "done", "blocked"};
} // namespace

namespace {

bool is_under(const stdfs::path& path, const stdfs::path& dir) {
  auto rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

stdfs::path canonical_or_same(const stdfs::path& p) {
  std::error_code ec;
  auto c = stdfs::weakly_canonical(p, ec);
  return ec ? p : c;
}

// Why `file` (where a story file should be) cannot be read as one, if so.
std::optional<std::string> unreadable_story_file(const stdfs::path& file) {
  std::error_code ec;
  auto own = stdfs::symlink_status(file, ec);
  if (ec || own.type() == stdfs::file_type::not_found) return std::nullopt; // nothing there
  auto target = stdfs::status(file, ec);
  if (own.type() == stdfs::file_type::symlink && (ec || !stdfs::exists(target)))
    return "is a link to nothing (" + stdfs::read_symlink(file, ec).string() + ")";
  if (stdfs::is_regular_file(target)) return std::nullopt;
  switch (target.type()) {
  case stdfs::file_type::fifo:
    return std::string("is a FIFO (named pipe)");
  case stdfs::file_type::character:
  case stdfs::file_type::block:
    return std::string("is a device");
  case stdfs::file_type::socket:
    return std::string("is a socket");
  case stdfs::file_type::directory:
    return std::string("is a folder");
  default:
    return std::string("is not a regular file");
  }
}

} // namespace

std::vector<std::pair<stdfs::path, std::optional<file_identity>>>
board::story_files(std::vector<board_problem>& problems) const {
  std::vector<std::pair<stdfs::path, std::optional<file_identity>>> files;
  std::error_code ec;
  const auto board_dir = canonical_or_same(sdlc_dir());
  auto consider = [&](stdfs::path file) {
    if (auto id = plain_file_identity(file)) { // almost all: one lstat, not three calls
      files.emplace_back(std::move(file), id);
      return;
    }
    if (stdfs::symlink_status(file, ec).type() == stdfs::file_type::not_found)
      return; // a folder without a story file (ai-sdlc keeps notes in some)
    if (auto why = unreadable_story_file(file)) {
      problems.push_back({file, fmt::format("{} {}; a story file must be a regular file: replace "
                                            "it by the story itself or remove it",
                                            rel(file), *why)});
      return;
    }
    files.emplace_back(std::move(file),
                       std::nullopt); // a link to a story file: stat it when reading
  };
  auto add_dir_layout = [&](const stdfs::path& dir, bool loose_md) {
    if (!stdfs::is_directory(dir, ec)) return;
    for (const auto& e : stdfs::directory_iterator(dir, ec)) {
      auto name = e.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (e.is_directory(ec)) {
        if (e.is_symlink(ec)) {
          auto target = canonical_or_same(e.path());
          if (!is_under(target, board_dir)) {
            problems.push_back(
                {e.path() / "story.md",
                 fmt::format("{} is a link to {}, outside the board; sdlc-actors reads and writes "
                             "stories only inside {}: move the story folder into the board",
                             rel(e.path()), target.string(), rel(sdlc_dir()))});
            continue;
          }
        }
        consider(e.path() / "story.md");
      } else if (loose_md && e.path().extension() == ".md") {
        consider(e.path());
      } else if (!loose_md && e.is_symlink(ec)) {
        consider(e.path() / "story.md"); // a link to nothing where a story folder should be
      }
    }
  };
  add_dir_layout(stories_dir(), false);
  for (auto folder : kanban_folders)
    add_dir_layout(sdlc_dir() / folder, true);
  return files;
}

void board::require_writable(const stdfs::path& file) const {
  std::error_code ec;
  if (stdfs::is_symlink(file, ec))
    throw bad_input(fmt::format("{} is a symbolic link; sdlc-actors replaces story files "
                                "atomically, which would replace the link by a copy: put the "
                                "story file itself there",
                                rel(file)));
  auto real = canonical_or_same(file);
  if (!is_under(real, canonical_or_same(sdlc_dir())))
    throw bad_input(fmt::format("{} resolves to {}, outside the board; sdlc-actors writes only "
                                "inside {}",
                                rel(file), real.string(), rel(sdlc_dir())));
}

} // namespace sdlc
