#include "runtime/api/sse_parser.hpp"

#include <nlohmann/json.hpp>

namespace sdlc {

void sse_parser::feed(std::string_view bytes) {
  partial_.append(bytes);
  std::size_t start = 0;
  for (auto nl = partial_.find('\n', start); nl != std::string::npos;
       nl = partial_.find('\n', start)) {
    auto l = std::string_view(partial_).substr(start, nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
    start = nl + 1;
  }
  partial_.erase(0, start);
}

void sse_parser::finish() {
  if (!partial_.empty()) {
    line(partial_);
    partial_.clear();
  }
  line("");
}

void sse_parser::line(std::string_view l) {
  if (l.empty()) {
    if (has_data_) {
      if (current_.event.empty()) current_.event = "message";
      on_event_(current_);
    }
    current_ = {};
    has_data_ = false;
    return;
  }
  if (l.front() == ':') return; // comment
  auto colon = l.find(':');
  auto field = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
  }
}

namespace {
long get(const nlohmann::json& u, const char* key) {
  auto it = u.find(key);
  return it != u.end() && it->is_number() ? it->get<long>() : 0;
}
} // namespace

void api_usage::add(const api_usage& o) {
  input += o.input;
  output += o.output;
  cache_read += o.cache_read;
  cache_creation += o.cache_creation;
  cost_usd += o.cost_usd;
  calls += o.calls;
  if (!o.model.empty()) model = o.model;
}

api_usage api_usage::since(const api_usage& b) const {
  api_usage d;
  d.input = input - b.input;
  d.output = output - b.output;
  d.cache_read = cache_read - b.cache_read;
  d.cache_creation = cache_creation - b.cache_creation;
  d.cost_usd = cost_usd - b.cost_usd;
  d.calls = calls - b.calls;
  d.model = model;
  return d;
}

void api_usage::add_from_event(const sse_event& e) {
  if (e.event != "message_start" && e.event != "message_delta") return;
  auto j = nlohmann::json::parse(e.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  if (e.event == "message_start" && j.contains("message") && j["message"].contains("usage")) {
    if (auto m = j["message"].find("model"); m != j["message"].end() && m->is_string())
      model = m->get<std::string>();
    const auto& u = j["message"]["usage"];
    input += get(u, "input_tokens");
    cache_read += get(u, "cache_read_input_tokens");
    cache_creation += get(u, "cache_creation_input_tokens");
  } else if (e.event == "message_delta" && j.contains("usage")) {
    // message_delta carries the cumulative output count of this message.
    output += get(j["usage"], "output_tokens");
  }
}

void api_usage::add_from_message_json(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("usage")) return;
  if (auto m = j.find("model"); m != j.end() && m->is_string()) model = m->get<std::string>();
  const auto& u = j["usage"];
  input += get(u, "input_tokens");
  output += get(u, "output_tokens");
  cache_read += get(u, "cache_read_input_tokens");
  cache_creation += get(u, "cache_creation_input_tokens");
}

} // namespace sdlc
