#pragma once
// A process environment as a map, end to end: read once from `environ`,
// changed as a map, handed to a child as a map (child_process turns it into
// the KEY=VALUE block at the last moment).
#include <map>
#include <string>
#include <vector>

namespace sdlc {

using env_vars = std::map<std::string, std::string>;

// This process's environment.
env_vars current_environment();

// This process's environment without `unset`, with `set` over it.
env_vars environment_with(const env_vars& set, const std::vector<std::string>& unset = {});

} // namespace sdlc
