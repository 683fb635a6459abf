#pragma once
// The shared API budget's decisions, pure and on caller-supplied time (so it
// is tested on virtual time): sliding-window limits on requests, input tokens
// and output tokens, a cap on requests in flight with AIMD (halve on 429/529,
// grow by one after a run of successes), a pause of every grant after a 429
// or 529 until its retry-after, limits learned from anthropic-ratelimit-*
// headers, and permits granted in story priority order.
//
// Sliding windows rather than token buckets: "at most L in any window" is
// exactly what the upstream (and stub-api) enforce, and what the tests check.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

using ms = std::chrono::milliseconds;

struct api_limits {
  long requests = 0;      // per window; 0 = unlimited
  long input_tokens = 0;  // per window; 0 = unlimited
  long output_tokens = 0; // per window; 0 = unlimited
  ms window{60000};
  int max_in_flight = 8;
  int aimd_success_run = 5; // successes in a row before the cap grows by one
};

struct permit_request {
  uint64_t id = 0;
  std::string story;
  long priority = 0;        // lower first, as everywhere
  long input_estimate = 0;  // tokens, e.g. request bytes / 4
  long output_estimate = 0; // tokens, e.g. max_tokens
};

struct permit_result {
  int status = 200;       // upstream HTTP status (0: no response)
  long input_tokens = -1; // actual usage when known (replaces the estimate)
  long output_tokens = -1;
  std::optional<ms> retry_after;
};

// anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining}
struct rate_headers {
  std::optional<long> requests_limit, requests_remaining;
  std::optional<long> input_limit, input_remaining;
  std::optional<long> output_limit, output_remaining;
  std::optional<ms> retry_after;
};

class rate_limiter_core {
public:
  rate_limiter_core(api_limits limits, ms now);

  void enqueue(permit_request r, ms now);
  // Grants what may go now, in priority order (then arrival); each grant
  // counts immediately against every window and the in-flight cap.
  std::vector<uint64_t> grant(ms now);
  // A granted request ended (any way). Frees its in-flight slot, corrects the
  // token estimates with actual usage, applies AIMD and pauses on 429/529.
  void release(uint64_t id, const permit_result& r, ms now);
  // A queued request given up (client gone).
  void cancel(uint64_t id);
  void learn(const rate_headers& h, ms now);

  // When to call grant() again if nothing else happens (pause end, window slide).
  std::optional<ms> next_wakeup(ms now) const;

  int in_flight() const { return static_cast<int>(running_.size()); }
  int cap() const { return cap_; }
  std::size_t queued() const { return queue_.size(); }
  long rejections() const { return rejections_; }
  std::optional<ms> paused_until() const { return paused_until_; }
  const api_limits& limits() const { return limits_; }
  // Longest time a currently queued request has waited (for auto-scaling).
  ms oldest_wait(ms now) const;

private:
  struct entry {
    ms at;
    uint64_t id;
    long input, output;
  };
  void slide(ms now);
  long used_input() const;
  long used_output() const;

  api_limits limits_;
  int cap_;
  int successes_ = 0;
  long rejections_ = 0;
  std::optional<ms> paused_until_;
  std::deque<entry> window_; // grants inside the window
  std::map<uint64_t, permit_request> running_;
  struct queued_entry {
    permit_request r;
    ms since;
    uint64_t seq;
  };
  std::vector<queued_entry> queue_;
  uint64_t seq_ = 0;
  // Learned from headers: the upstream's remaining counts override ours until the window slides.
  std::optional<long> learned_requests_left_;
  std::optional<ms> learned_until_;
};

// Reads the rate-limit headers of a response (names lower-cased).
rate_headers parse_rate_headers(const std::map<std::string, std::string>& headers);

} // namespace sdlc
