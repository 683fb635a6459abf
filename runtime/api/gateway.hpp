#pragma once
// The loopback API gateway every agent talks to. Agents get
// ANTHROPIC_BASE_URL=http://127.0.0.1:<port>/s/<ID>/<action> and send the run's
// token in `x-sdlc-token` (ANTHROPIC_CUSTOM_HEADERS). Requests are forwarded
// to the upstream with libcurl, the response streamed back as it arrives (no
// buffering of whole responses), and the usage in it recorded per story and
// action. Without the token: 403. Keys and tokens never reach a log.
#include "runtime/api/pricing.hpp"
#include "runtime/api/rate_limiter_core.hpp"
#include "runtime/api/sse_parser.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sdlc {

// How the gateway asks the shared rate limiter for a permit before every
// upstream attempt and gives it back after (with what happened). Optional.
struct gateway_permits {
  // Blocks until granted; false when no permit can be had (the request fails).
  std::function<bool(const permit_request&)> acquire;
  std::function<void(uint64_t id, const permit_result&, const rate_headers&)> release;
};

struct gateway_options {
  std::string upstream; // base URL; /v1/messages is appended
  std::string token;    // random per run
  int max_attempts = 6; // a 429/529 is retried while nothing has reached the agent
  std::chrono::milliseconds backoff{500};
  std::shared_ptr<const price_table> prices; // cost of usage; none: $0
  // A 429/529 asking to wait longer than this (or the upstream's usage limit
  // rejected) parks the API: agents get a 429 that tells them not to retry,
  // and the stories wait for the reset instead of failing.
  std::chrono::milliseconds park_threshold{120000};
  // A connection that has not shown the run token this long after it opened
  // is shut down (a client trickling its headers holds a thread).
  std::chrono::milliseconds auth_deadline{10000};
};

struct gateway_request_log {
  std::string story;
  std::string action;
  std::string path;
  int status = 0;
  long duration_ms = 0;
  api_usage usage;
};

class gateway {
public:
  using log_fn = std::function<void(const gateway_request_log&)>;

  // Binds 127.0.0.1 on a free port and serves on its own threads.
  gateway(gateway_options opts, log_fn on_request = {});
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  int port() const;
  std::string base_url() const; // http://127.0.0.1:<port>
  api_usage usage(const std::string& story, const std::string& action) const;
  api_usage total_usage() const;
  // Set before the first agent starts; cleared (empty) before the limiter goes.
  void set_permits(gateway_permits p);
  // Epoch ms until which the API is parked (0: not parked).
  int64_t parked_until_ms() const;
  long retried() const; // upstream 429/529 answers retried without the agent seeing them
  // Connections refused or shut down without the token (connection_guard.hpp).
  long refused() const;
  // Permits taken from the limiter and not given back yet (0 once idle).
  long permits_held() const;

  // The upstream to use: config's api.baseUrl, else $ANTHROPIC_BASE_URL, else the real API.
  static std::string resolve_upstream(const std::optional<std::string>& configured);
  static std::string random_token();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sdlc
