#pragma once
// A story's worktree goes (its branch stays) and the story forgets it: when a
// run's story is done, or when the landing lane has landed it.
#include <string>

namespace sdlc {

class board;
class story;
class story_cache;

// The worktree `s` records, by the folder it recorded (the name at creation,
// even if the slug changed since). Returns that path ("" when the story has
// none). Throws sdlc::error when the worktree stays (unsaved work, not ours);
// the story is then unchanged.
std::string remove_story_worktree(board& b, const story& s, story_cache* cache = nullptr);

} // namespace sdlc
