#pragma once
// Incremental parser for text/event-stream: feed bytes as they arrive, get
// whole events. Used by the gateway to read usage out of the stream it passes
// through (the bytes themselves are forwarded untouched).
#include <functional>
#include <string>
#include <string_view>

namespace sdlc {

struct sse_event {
  std::string event; // "message_start", ... ("message" when absent)
  std::string data;  // data lines joined with '\n'
};

class sse_parser {
public:
  using event_fn = std::function<void(const sse_event&)>;
  explicit sse_parser(event_fn on_event) : on_event_(std::move(on_event)) {}
  void feed(std::string_view bytes);
  void finish(); // dispatches a last event not followed by a blank line

private:
  void line(std::string_view l);
  event_fn on_event_;
  std::string partial_;
  sse_event current_;
  bool has_data_ = false;
};

// Usage numbers of the Messages API, read from SSE events or a JSON body.
struct api_usage {
  long input = 0;
  long output = 0;
  long cache_read = 0;
  long cache_creation = 0;
  double cost_usd = 0; // from the price table, by the response's model
  long calls = 0;      // upstream requests
  std::string model;   // of the last response seen
  void add(const api_usage& o);
  // What was used between `before` and this (both cumulative).
  api_usage since(const api_usage& before) const;
  void add_from_event(const sse_event& e);
  void add_from_message_json(std::string_view body);
};

} // namespace sdlc
