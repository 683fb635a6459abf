#include "runtime/util/environment.hpp"

extern char** environ;

namespace sdlc {

env_vars current_environment() {
  env_vars env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

env_vars environment_with(const env_vars& set, const std::vector<std::string>& unset) {
  auto env = current_environment();
  for (const auto& k : unset)
    env.erase(k);
  for (const auto& [k, v] : set)
    env[k] = v;
  return env;
}

} // namespace sdlc
