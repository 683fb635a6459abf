#pragma once
// `add -f FILE` (ai-sdlc's): a story made from a Markdown or text file.
#include <string>

namespace sdlc {

struct story_source {
  std::string title;
  std::string body;
};

// As ai-sdlc decides the title: the file's frontmatter `title:`, else its
// first `# ` heading, else `fallback_title` (the file name without its
// extension). The body is the text with NUL bytes dropped and — unlike
// ai-sdlc, which would leave a second frontmatter block in the story — without
// the file's own frontmatter.
story_source story_from_text(const std::string& text, const std::string& fallback_title);

} // namespace sdlc
