#include "runtime/console/terminal.hpp"

#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace sdlc::term {

namespace {
std::string wrap(bool on, const char* code, std::string_view s) {
  if (!on) return std::string(s);
  return std::string("\x1b[") + code + "m" + std::string(s) + "\x1b[0m";
}
} // namespace

std::string style::bold(std::string_view s) const {
  return wrap(color, "1", s);
}
std::string style::dim(std::string_view s) const {
  return wrap(color, "2", s);
}
std::string style::red(std::string_view s) const {
  return wrap(color, "31", s);
}
std::string style::green(std::string_view s) const {
  return wrap(color, "32", s);
}
std::string style::yellow(std::string_view s) const {
  return wrap(color, "33", s);
}
std::string style::cyan(std::string_view s) const {
  return wrap(color, "36", s);
}

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

style style_for(int fd) {
  style s;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  s.color =
      is_terminal(fd) && !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
  return s;
}

namespace {
// One side of the terminal: as the tty says, else as the shell's variable
// says, else the fallback.
int window_side(int fd, unsigned short winsize::*side, const char* variable, int fallback) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.*side > 0) return ws.*side;
  if (const char* c = std::getenv(variable))
    if (int n = std::atoi(c); n > 0) return n;
  return fallback;
}
} // namespace

int columns(int fd, int fallback) {
  return window_side(fd, &winsize::ws_col, "COLUMNS", fallback);
}

int rows(int fd, int fallback) {
  return window_side(fd, &winsize::ws_row, "LINES", fallback);
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

std::string fit(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) return std::string(s);
  if (width == 0) return {};
  std::string out;
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (w + 1 == width) break;
      ++w;
    }
    out += s[i];
  }
  return out + "…";
}

} // namespace sdlc::term
