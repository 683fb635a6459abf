#include "runtime/util/printable.hpp"

namespace sdlc {

namespace {
// Length of a C1 control (U+0080..U+009F, UTF-8 C2 80..C2 9F) at `i`, or 0.
std::size_t c1_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c == 0xC2 && i + 1 < s.size()) {
    auto d = static_cast<unsigned char>(s[i + 1]);
    if (d >= 0x80 && d <= 0x9F) return 2;
  }
  return 0;
}
bool c0(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}
} // namespace

std::string printable(std::string_view s, bool keep_newlines) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (auto n = c1_at(s, i)) {
      auto d = static_cast<unsigned char>(s[i + 1]);
      out += "\\u00";
      out += hex[d >> 4];
      out += hex[d & 15];
      i += n - 1;
    } else if (!c0(c) || (keep_newlines && (c == '\n' || c == '\t'))) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool has_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (c0(static_cast<unsigned char>(s[i])) || c1_at(s, i)) return true;
  return false;
}

} // namespace sdlc
