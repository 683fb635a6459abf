#pragma once
// `migrate` (ai-sdlc's): stories in the old kanban folders (backlog/ ready/
// in-progress/ done/ blocked/, as <NN-slug>.md files or <ID>/ folders) move
// to stories/<ID>/story.md, their folder giving their status — what ai-sdlc's
// migrate does, so a board both tools read has one layout.
#include "runtime/story/board.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace sdlc {

struct layout_move {
  std::filesystem::path from; // a .md file, or a story folder
  std::filesystem::path to;   // stories/<ID>/story.md
  std::string id;
  std::string status;           // the kanban folder it was in
  std::optional<long> priority; // from a "NN-" file name prefix
  std::string slug;             // from a file name (a folder keeps its own)
};

struct layout_plan {
  bool already_migrated = false; // .migrated exists (ai-sdlc's marker)
  std::vector<layout_move> moves;
  std::vector<std::string> warnings;
  std::vector<std::string> errors; // any error: nothing is moved
};

layout_plan plan_layout_migration(const board& b);

// Moves every story (a backup copy of the board first, unless !backup),
// removes emptied kanban folders, writes .migrated. Returns the backup's path
// (empty without one). Each story is written atomically before its old copy goes.
std::filesystem::path migrate_layout(const board& b, const layout_plan& plan, bool backup);

} // namespace sdlc
