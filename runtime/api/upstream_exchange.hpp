#pragma once
// One request forwarded upstream by the gateway: libcurl on a thread of its
// own fills an exchange (status, headers, body chunks as they arrive, usage
// read from the SSE stream or the JSON body) that the HTTP server's response
// writer drains — the agent sees the upstream's bytes as they come, never a
// whole buffered response. Usage is recorded per story and action in a book
// the exchange threads may outlive the gateway with.
#include "runtime/api/pricing.hpp"
#include "runtime/api/rate_limiter_core.hpp"
#include "runtime/api/sse_parser.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sdlc {

// One upstream exchange, shared between the curl thread (producer) and the
// HTTP server's response writer (consumer).
struct exchange {
  std::mutex mu;
  std::condition_variable cv;
  bool headers_done = false;
  bool finished = false;
  bool client_gone = false;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::deque<std::string> chunks;
  std::string curl_error;
  std::string body_for_usage; // non-SSE bodies, to read usage at the end (bounded)
  bool is_sse = false;
  api_usage usage;
  sse_parser parser{[this](const sse_event& e) { usage.add_from_event(e); }};
};

// Usage per story and action. Shared with the upstream threads, which record
// an exchange's usage before they mark it finished (so a client that has read
// the whole response can already see it) and may outlive the gateway.
struct usage_book {
  std::shared_ptr<const price_table> prices;
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, api_usage> usage;
  void record(const std::string& story, const std::string& action, const api_usage& u) {
    std::lock_guard<std::mutex> lock(mu);
    usage[{story, action}].add(u);
  }
};

// How long a rejected exchange asks us to wait when that is long enough to
// park: retry-after beyond the threshold, or the usage limit's reset.
std::optional<std::chrono::milliseconds> exchange_park_time(const exchange& ex,
                                                            std::chrono::milliseconds threshold);

// The rate-limit headers of the exchange's response.
rate_headers response_rate_headers(const exchange& ex);

// Starts one upstream transfer on its own thread; the caller waits on the
// exchange for headers and chunks.
std::shared_ptr<exchange> start_exchange(const std::string& url, std::shared_ptr<std::string> body,
                                         const std::vector<std::string>& headers,
                                         std::shared_ptr<usage_book> book, const std::string& story,
                                         const std::string& action);

} // namespace sdlc
