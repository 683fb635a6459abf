#pragma once
// What the terminal can take: colour and in-place redraw only on a real
// terminal, never with NO_COLOR set or TERM=dumb.
#include <string>
#include <string_view>

namespace sdlc::term {

struct style {
  bool color = false;
  std::string bold(std::string_view s) const;
  std::string dim(std::string_view s) const;
  std::string red(std::string_view s) const;
  std::string green(std::string_view s) const;
  std::string yellow(std::string_view s) const;
  std::string cyan(std::string_view s) const;
};

// For output going to file descriptor `fd` (1 = stdout).
style style_for(int fd);
bool is_terminal(int fd);
int columns(int fd, int fallback = 100);

// `s` with every control character shown as an escape (`\x1b`, `\r`, `\n`,
// `\t`, C1 controls as `\u0085`…), so that text from story files, agents or
// the command line can never move the cursor, recolour or rewrite a terminal.
// `keep_newlines`: multi-line text (a story's body) keeps its line breaks and tabs.
std::string printable(std::string_view s, bool keep_newlines = false);
// Whether `s` holds a control character that printable() would escape.
bool has_control(std::string_view s);

// Cuts `s` to at most `width` display columns (UTF-8 aware), adding an ellipsis.
std::string fit(std::string_view s, std::size_t width);
std::size_t display_width(std::string_view s);

} // namespace sdlc::term
