#pragma once
// The last version of one story file that a caller read or wrote, reused
// while the file's bytes are the same. A story session looks at its story
// about thirty times a run (next action, prompt, commit subject, every
// update under the lock); parsing its YAML each time was an eighth of a
// no-op run's CPU. The file is read every time — only the parse is saved,
// so an edit made behind the cache (by a person, by ai-sdlc) is always seen.
#include "runtime/story/story.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

class story_cache {
public:
  // The story `file` holds now (story::load's errors).
  story load(const std::filesystem::path& file);
  // The story of `text` read from `file`: a copy of the one remembered when
  // the bytes are the ones it was parsed from, else parsed (and remembered).
  story parse(std::string text, const std::filesystem::path& file);
  // `parsed` is what `text`, just written to its file, reads as; `text` is
  // a render of a story (story::render), so it stands for its own render.
  void remember(std::string text, story parsed);
  // The render of what `file` holds while it holds `text`: `text` itself when
  // the cache wrote it (what update_file compares a change against, without
  // rendering the story again), else nothing.
  std::optional<std::string> render_of(const std::string& text,
                                       const std::filesystem::path& file) const;

  std::size_t parses() const { return parses_; } // for tests

private:
  std::string text_;
  std::optional<story> story_;
  bool rendered_ = false; // text_ is a render of story_, not a person's bytes
  std::size_t parses_ = 0;
};

} // namespace sdlc
