#pragma once
// What every configuration key may hold: its type (the default's in
// config/defaults.yaml, or the declared type of a key whose default is
// null), its allowed values and its range. One place for the project's
// config file, environment overrides, batch files and `config KEY VALUE`, so
// a value that passes here is one the code can use: no timeout that makes
// every action fail at once, no integer that overflows on the way in.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace sdlc::config_schema {

// The compiled-in defaults (a fresh tree on every call).
YAML::Node defaults();

// Checks `value` against the default `def` at dotted `key`; throws
// bad_input naming `origin` (file:line where the node has a position), the
// key, what it must be and what was found. A key the defaults do not know is
// an error too — unless `warnings` is given: then it is said there, with a
// did-you-mean, and ignored (a newer ai-sdlc may write keys we do not know).
void validate(const YAML::Node& value, const YAML::Node& def, const std::string& key,
              const std::string& origin, std::vector<std::string>* warnings = nullptr);

// The ai-sdlc settings present in `user` (a project's config) that
// sdlc-actors does not act on, as dotted keys.
std::vector<std::string> not_acted_on_in(const YAML::Node& user);

// The value a user typed for `key` (command line, environment variable), as
// the key's type reads it: a string key keeps the text exactly as typed
// (`! grep -rq x src` keeps its `!`), a number or boolean is converted, a
// list or map is read as YAML flow (`[a, b]`). Validated; throws bad_input.
YAML::Node value_from_text(const std::string& key, const std::string& text,
                           const std::string& origin);

// A whole number as YAML wrote it, or nullopt when it is not one or does
// not fit in 64 bits.
std::optional<long long> whole_number(const YAML::Node& scalar);

} // namespace sdlc::config_schema
