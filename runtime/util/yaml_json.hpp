#pragma once
// YAML -> JSON with YAML 1.2 core-schema typing (plain `5` is a number,
// quoted '5' is a string), for --json output and for writing .ai-sdlc.json.
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace sdlc::yaml {

nlohmann::ordered_json to_json(const YAML::Node& node);

} // namespace sdlc::yaml
