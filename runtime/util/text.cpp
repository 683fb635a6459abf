#include "runtime/util/text.hpp"

#include <cctype>

namespace sdlc {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string tail_of(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "…" + s.substr(s.size() - n);
}

} // namespace sdlc
