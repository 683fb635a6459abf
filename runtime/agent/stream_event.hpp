#pragma once
// Claude Code's `--output-format stream-json` lines, as typed events. The same
// shapes are accepted from a generic command agent (docs/agents.md). Unknown
// types and non-JSON lines become `unknown` / `text` events: logged, never fatal.
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct token_usage {
  long input = 0;
  long output = 0;
  long cache_read = 0;
  long cache_creation = 0;
};

struct agent_event {
  enum class kind {
    init,
    text,
    tool_use,
    tool_result,
    api_retry,
    rate_limit,
    progress,
    result,
    unknown,
    not_json
  };
  kind type = kind::unknown;

  std::string session_id; // init, result
  std::string model;      // init
  std::string cwd;        // init

  std::string text;        // assistant text, result text, progress message, raw line for not_json
  std::string tool_name;   // tool_use
  std::string tool_target; // tool_use: file path, or the command for Bash
  bool is_error = false;   // tool_result, result

  // result
  std::string subtype;
  int num_turns = 0;
  double cost_usd = 0;
  long duration_ms = 0;
  token_usage usage;
  std::optional<int> api_error_status;

  // api_retry, rate_limit
  long retry_delay_ms = 0;
  int error_status = 0;
  std::string limit_status; // rate_limit: allowed / rejected / ...
  long resets_at = 0;       // rate_limit: epoch seconds

  int percent = -1; // progress (command agents)
};

std::string_view to_string(agent_event::kind k);

// One stdout line -> zero or more events (an assistant message can carry text
// and several tool uses).
std::vector<agent_event> parse_stream_line(const std::string& line);

} // namespace sdlc
