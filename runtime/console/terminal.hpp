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
int rows(int fd, int fallback = 0); // 0: not known

// Cuts `s` to at most `width` display columns (UTF-8 aware), adding an ellipsis.
std::string fit(std::string_view s, std::size_t width);
std::size_t display_width(std::string_view s);

} // namespace sdlc::term
