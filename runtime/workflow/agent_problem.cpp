#include "runtime/workflow/agent_problem.hpp"

#include "runtime/util/fs.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace {
// The first 300 bytes of what the agent said, never half a character: the
// problem goes into the story file, which must stay valid UTF-8.
std::string said(const std::string& text) {
  auto out = text.substr(0, 300);
  if (auto bad = fs::find_invalid_utf8(out)) out.resize(*bad);
  return out;
}
} // namespace

std::string problem_of(const agent_outcome& o, bool command_agent,
                       const std::string& transport_error) {
  if (!transport_error.empty()) return transport_error;
  if (!o.killed_reason.empty()) return o.killed_reason;
  if (o.signal != 0) return fmt::format("agent killed by signal {}", o.signal);
  if (o.exit_code != 0)
    // Claude says why in its error result ("Not logged in · Please run
    // /login"): that is what a person needs, not only the code.
    return fmt::format("agent exited with code {}{}{}", o.exit_code,
                       o.api_error_status ? fmt::format(" (API error {})", o.api_error_status) : "",
                       o.is_error && !o.result_text.empty() ? ": " + said(o.result_text) : "");
  if (!command_agent && !o.saw_result) return "agent ended without a result";
  if (o.is_error)
    return fmt::format("agent reported an error{}: {}",
                       o.api_error_status ? fmt::format(" (API {})", o.api_error_status) : "",
                       said(o.result_text));
  return {};
}

bool check_passed(const agent_outcome& o, const std::string& transport_error) {
  return transport_error.empty() && o.exit_code == 0 && o.signal == 0 && o.killed_reason.empty();
}

} // namespace sdlc
