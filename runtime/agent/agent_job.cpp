#include "runtime/agent/agent_job.hpp"

namespace sdlc {

std::string agent_job::label() const {
  return check.empty() ? std::string(to_string(action)) : "check-" + check;
}

} // namespace sdlc
