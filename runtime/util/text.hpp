#pragma once
// ASCII case folding for ids, header names and keys (never for people's text).
#include <string>
#include <string_view>

namespace sdlc {

std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);
// The last `n` bytes of `s`, with "…" in front when something was cut (a
// command's output in a finding or a prompt).
std::string tail_of(const std::string& s, std::size_t n);
// `s` without the blanks and line ends around it.
std::string trim(std::string_view s);

} // namespace sdlc
