#pragma once
// ASCII case folding for ids, header names and keys (never for people's text).
#include <string>
#include <string_view>

namespace sdlc {

std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);

} // namespace sdlc
