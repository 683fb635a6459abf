#include "runtime/remote/node_environment.hpp"

namespace sdlc {

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

bool agent_setting(const std::string& k) {
  return k.rfind("SDLC_", 0) == 0 || k.rfind("ANTHROPIC_", 0) == 0 || k.rfind("CLAUDE_", 0) == 0;
}

} // namespace

env_vars node_environment(const env_vars& job_env, const env_vars& own_env,
                          const gateway_swap& swap) {
  env_vars env = own_env;
  for (const auto& [k, v] : job_env)
    if (agent_setting(k) || !env.count(k)) env[k] = v;
  for (auto& [k, v] : env)
    v = replace_all(replace_all(v, swap.from_base, swap.to_base), swap.from_token, swap.to_token);
  return env;
}

} // namespace sdlc
