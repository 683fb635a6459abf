#include "runtime/agent/outcome_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

namespace {
constexpr std::size_t max_collected_text = 256u << 10;

agent_notice notice(event_kind k, std::string text) {
  return agent_notice{k, std::move(text), std::nullopt};
}
} // namespace

std::optional<agent_notice> outcome_builder::apply(const agent_event& e) {
  auto& o = outcome_;
  using k = agent_event::kind;
  switch (e.type) {
  case k::init:
    o.session_id = e.session_id;
    return notice(event_kind::agent_init,
                  fmt::format("model {} session {}", e.model, e.session_id));
  case k::tool_use:
    ++o.tool_uses;
    return notice(event_kind::tool_use,
                  e.tool_name + (e.tool_target.empty() ? "" : " " + e.tool_target));
  case k::tool_result:
    if (!e.is_error) return std::nullopt;
    return notice(event_kind::tool_error, e.text.substr(0, 200));
  case k::text:
    if (collected_.size() < max_collected_text) collected_ += e.text + "\n";
    return notice(event_kind::agent_text, e.text.substr(0, 200));
  case k::api_retry:
    return notice(event_kind::api_retry,
                  fmt::format("HTTP {} retry in {} ms", e.error_status, e.retry_delay_ms));
  case k::rate_limit:
    if (e.limit_status == "rejected" && e.resets_at > 0)
      o.limit_resets_at_ms = std::max<int64_t>(o.limit_resets_at_ms, e.resets_at * 1000);
    return notice(event_kind::rate_limit, fmt::format("{} until {}", e.limit_status, e.resets_at));
  case k::progress:
    return agent_notice{event_kind::agent_text, e.text, std::clamp(e.percent, 0, 100)};
  case k::result:
    o.saw_result = true;
    o.is_error = e.is_error;
    o.result_text = e.text;
    o.num_turns = e.num_turns;
    o.cost_usd = e.cost_usd;
    o.input_tokens = e.usage.input + e.usage.cache_read + e.usage.cache_creation;
    o.output_tokens = e.usage.output;
    o.api_error_status = e.api_error_status.value_or(0);
    if (!e.session_id.empty()) o.session_id = e.session_id;
    return notice(event_kind::agent_result,
                  fmt::format("{} turns={} cost=${:.4f}", e.is_error ? "error" : "ok", e.num_turns,
                              e.cost_usd));
  case k::not_json:
    if (collected_.size() < max_collected_text) collected_ += e.text + "\n";
    return notice(event_kind::agent_output, e.text.substr(0, 300));
  case k::unknown:
    return notice(event_kind::unknown_event, e.text.substr(0, 200));
  }
  return std::nullopt;
}

agent_notice outcome_builder::stderr_line(const std::string& line) const {
  return notice(event_kind::agent_stderr, line.substr(0, 300));
}

const agent_outcome& outcome_builder::finish(int exit_code, int signal, int64_t duration_ms) {
  outcome_.exit_code = exit_code;
  outcome_.signal = signal;
  outcome_.duration_ms = duration_ms;
  if (!outcome_.saw_result) outcome_.result_text = collected_;
  return outcome_;
}

} // namespace sdlc
