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

// What the refusal asks for besides renaming the value: a command that only
// reads prints the same without --json; one that changed something (add,
// cleanup, land, notify) has done its work, and another command shows it.
std::string without_json(std::string_view command);
std::string work_done(std::string_view command, std::string_view shown_by);

// `doc` as dump(indent) lays it out, and a newline. `advice` is one of the two
// above, for the refusal.
std::string json_output(const nlohmann::json& doc, std::string_view advice, int indent = 2);
std::string json_output(const nlohmann::ordered_json& doc, std::string_view advice, int indent = 2);

// The refusal of `value`, which is not UTF-8; `what` says what it is ("path").
error not_utf8(std::string_view value, std::string_view what, std::string_view advice);

} // namespace sdlc
