#pragma once
// Text from story files, agents or the command line on its way to a
// terminal: every control character shown as an escape (`\x1b`, `\r`,
// `\n`, `\t`, C1 controls as `\u0085`...), so that it can never move the
// cursor, recolour or rewrite the screen — also when output is piped into
// something that interprets it later.
#include <string>
#include <string_view>

namespace sdlc {

// `keep_newlines`: multi-line text (a story's body) keeps line breaks and tabs.
std::string printable(std::string_view s, bool keep_newlines = false);
// Whether `s` holds a control character that printable() would escape.
bool has_control(std::string_view s);

} // namespace sdlc
