#include "runtime/agent/stream_event.hpp"

#include <nlohmann/json.hpp>

namespace sdlc {

using json = nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<long>() : 0;
}

std::string tool_target(const json& input) {
  for (auto key : {"file_path", "notebook_path", "path", "command", "pattern", "url"})
    if (auto s = str(input, key); !s.empty()) return s;
  return {};
}

void content_blocks(const json& message, std::vector<agent_event>& out) {
  auto it = message.find("content");
  if (it == message.end()) return;
  if (it->is_string()) {
    agent_event e;
    e.type = agent_event::kind::text;
    e.text = it->get<std::string>();
    out.push_back(std::move(e));
    return;
  }
  if (!it->is_array()) return;
  for (const auto& b : *it) {
    agent_event e;
    auto type = str(b, "type");
    if (type == "text") {
      e.type = agent_event::kind::text;
      e.text = str(b, "text");
    } else if (type == "tool_use") {
      e.type = agent_event::kind::tool_use;
      e.tool_name = str(b, "name");
      if (b.contains("input") && b["input"].is_object()) e.tool_target = tool_target(b["input"]);
    } else if (type == "tool_result") {
      e.type = agent_event::kind::tool_result;
      e.is_error = b.value("is_error", false);
      if (b.contains("content") && b["content"].is_string())
        e.text = b["content"].get<std::string>();
    } else {
      continue; // thinking and other blocks carry nothing we act on
    }
    out.push_back(std::move(e));
  }
}

} // namespace

std::string_view to_string(agent_event::kind k) {
  switch (k) {
  case agent_event::kind::init:
    return "init";
  case agent_event::kind::text:
    return "text";
  case agent_event::kind::tool_use:
    return "tool_use";
  case agent_event::kind::tool_result:
    return "tool_result";
  case agent_event::kind::api_retry:
    return "api_retry";
  case agent_event::kind::rate_limit:
    return "rate_limit";
  case agent_event::kind::progress:
    return "progress";
  case agent_event::kind::result:
    return "result";
  case agent_event::kind::unknown:
    return "unknown";
  case agent_event::kind::not_json:
    return "not_json";
  }
  return "?";
}

std::vector<agent_event> parse_stream_line(const std::string& line) {
  std::vector<agent_event> out;
  if (line.find_first_not_of(" \t\r") == std::string::npos) return out;
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    agent_event e;
    e.type = agent_event::kind::not_json;
    e.text = line;
    out.push_back(std::move(e));
    return out;
  }
  auto type = str(j, "type");
  auto subtype = str(j, "subtype");
  agent_event e;
  if (type == "system" && subtype == "init") {
    e.type = agent_event::kind::init;
    e.session_id = str(j, "session_id");
    e.model = str(j, "model");
    e.cwd = str(j, "cwd");
  } else if (type == "system" && subtype == "api_retry") {
    e.type = agent_event::kind::api_retry;
    e.retry_delay_ms = num(j, "retry_delay_ms");
    e.error_status = static_cast<int>(num(j, "error_status"));
  } else if (type == "rate_limit_event") {
    e.type = agent_event::kind::rate_limit;
    const auto& info = j.contains("rate_limit_info") ? j["rate_limit_info"] : j;
    e.limit_status = str(info, "status");
    e.resets_at = num(info, "resetsAt");
  } else if (type == "assistant" || type == "user") {
    if (j.contains("message") && j["message"].is_object()) content_blocks(j["message"], out);
    return out;
  } else if (type == "progress") {
    e.type = agent_event::kind::progress;
    e.text = str(j, "message");
    e.percent = j.contains("percent") && j["percent"].is_number() ? j["percent"].get<int>() : -1;
  } else if (type == "result") {
    e.type = agent_event::kind::result;
    e.subtype = subtype;
    e.is_error = j.value("is_error", false);
    e.text = str(j, "result");
    e.session_id = str(j, "session_id");
    e.num_turns = static_cast<int>(num(j, "num_turns"));
    e.duration_ms = num(j, "duration_ms");
    if (j.contains("total_cost_usd") && j["total_cost_usd"].is_number())
      e.cost_usd = j["total_cost_usd"].get<double>();
    if (j.contains("api_error_status") && j["api_error_status"].is_number())
      e.api_error_status = j["api_error_status"].get<int>();
    if (j.contains("usage") && j["usage"].is_object()) {
      const auto& u = j["usage"];
      e.usage.input = num(u, "input_tokens");
      e.usage.output = num(u, "output_tokens");
      e.usage.cache_read = num(u, "cache_read_input_tokens");
      e.usage.cache_creation = num(u, "cache_creation_input_tokens");
    }
  } else if (type.empty()) {
    // JSON, but not an event (e.g. a command agent printing its verdict):
    // it is output text like any other line.
    e.type = agent_event::kind::not_json;
    e.text = line;
  } else {
    e.type = agent_event::kind::unknown;
    e.text = type + (subtype.empty() ? "" : "/" + subtype);
  }
  out.push_back(std::move(e));
  return out;
}

} // namespace sdlc
