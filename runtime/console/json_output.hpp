#pragma once
// What a `--json` command prints. JSON carries only UTF-8, while a path or a
// file's text may be any bytes: such a value refuses the whole document
// before any of it is printed, naming the value (its first bad byte escaped)
// and what to do, where nlohmann says only "invalid UTF-8 byte at index 23".
#include "runtime/util/error.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace sdlc {

// `doc` as dump(indent) lays it out, and a newline. `command` is the command
// that prints the same without --json ("details S-0001"), for the error.
std::string json_output(const nlohmann::json& doc, std::string_view command, int indent = 2);
std::string json_output(const nlohmann::ordered_json& doc, std::string_view command,
                        int indent = 2);

// The error for `value`, which is not UTF-8; `what` says what it is ("path").
error not_utf8(std::string_view value, std::string_view what, std::string_view command);

} // namespace sdlc
