#pragma once
// Files from config/ compiled into the binary (cmake/Embed.cmake), so that the
// tool needs no install prefix to find its defaults and prompt templates.
#include <map>
#include <string>
#include <string_view>

namespace sdlc::resources {

// Keyed by the path below the repository root, e.g. "config/defaults.yaml".
const std::map<std::string, std::string_view>& all();

inline std::string_view get(const std::string& name) {
  auto it = all().find(name);
  return it == all().end() ? std::string_view{} : it->second;
}

} // namespace sdlc::resources
