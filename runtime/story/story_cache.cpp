#include "runtime/story/story_cache.hpp"

#include "runtime/util/fs.hpp"

namespace sdlc {

story story_cache::load(const std::filesystem::path& file) {
  return parse(fs::read_file(file, max_story_bytes), file);
}

story story_cache::parse(std::string text, const std::filesystem::path& file) {
  // A story copy is deep (yaml_document), so the caller may change it.
  if (story_ && story_->file() == file && text == text_) return *story_;
  auto s = story::parse(text, file);
  ++parses_;
  text_ = std::move(text);
  story_ = s;
  rendered_ = false;
  return s;
}

void story_cache::remember(std::string text, story parsed) {
  text_ = std::move(text);
  story_ = std::move(parsed);
  rendered_ = true;
}

std::optional<std::string> story_cache::render_of(const std::string& text,
                                                  const std::filesystem::path& file) const {
  if (rendered_ && story_ && story_->file() == file && text == text_) return text_;
  return std::nullopt;
}

} // namespace sdlc
