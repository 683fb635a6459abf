#include "runtime/api/rate_limiter_core.hpp"

#include <algorithm>
#include <cstdlib>

namespace sdlc {

rate_limiter_core::rate_limiter_core(api_limits limits, ms now)
    : limits_(limits), cap_(std::max(1, limits.max_in_flight)) {
  (void)now;
}

void rate_limiter_core::slide(ms now) {
  while (!window_.empty() && now - window_.front().at >= limits_.window)
    window_.pop_front();
  if (learned_until_ && now >= *learned_until_) {
    learned_requests_left_.reset();
    learned_until_.reset();
  }
}

long rate_limiter_core::used_input() const {
  long n = 0;
  for (const auto& e : window_)
    n += e.input;
  return n;
}

long rate_limiter_core::used_output() const {
  long n = 0;
  for (const auto& e : window_)
    n += e.output;
  return n;
}

void rate_limiter_core::enqueue(permit_request r, ms now) {
  queue_.push_back({std::move(r), now, seq_++});
}

std::vector<uint64_t> rate_limiter_core::grant(ms now) {
  std::vector<uint64_t> out;
  slide(now);
  if (paused_until_ && now < *paused_until_) return out;
  paused_until_.reset();
  std::stable_sort(queue_.begin(), queue_.end(), [](const queued_entry& a, const queued_entry& b) {
    return a.r.priority != b.r.priority ? a.r.priority < b.r.priority : a.seq < b.seq;
  });
  while (!queue_.empty()) {
    const auto& next = queue_.front().r;
    if (in_flight() >= cap_) break;
    auto count = static_cast<long>(window_.size());
    if (limits_.requests > 0 && count >= limits_.requests) break;
    if (learned_requests_left_ && *learned_requests_left_ <= 0) break;
    // A request bigger than a whole window's budget still goes, alone, so it
    // cannot wait forever.
    if (limits_.input_tokens > 0 && used_input() + next.input_estimate > limits_.input_tokens &&
        !window_.empty())
      break;
    if (limits_.output_tokens > 0 && used_output() + next.output_estimate > limits_.output_tokens &&
        !window_.empty())
      break;
    window_.push_back({now, next.id, next.input_estimate, next.output_estimate});
    if (learned_requests_left_) --*learned_requests_left_;
    running_[next.id] = next;
    out.push_back(next.id);
    queue_.erase(queue_.begin());
  }
  return out;
}

void rate_limiter_core::release(uint64_t id, const permit_result& r, ms now) {
  running_.erase(id);
  for (auto& e : window_)
    if (e.id == id) {
      if (r.input_tokens >= 0) e.input = r.input_tokens;
      if (r.output_tokens >= 0) e.output = r.output_tokens;
    }
  if (r.status == 429 || r.status == 529) {
    ++rejections_;
    cap_ = std::max(1, cap_ / 2);
    successes_ = 0;
    auto until = now + r.retry_after.value_or(ms(1000));
    if (!paused_until_ || *paused_until_ < until) paused_until_ = until;
    return;
  }
  if (r.status >= 200 && r.status < 300) {
    if (++successes_ >= limits_.aimd_success_run && cap_ < limits_.max_in_flight) {
      ++cap_;
      successes_ = 0;
    }
  }
}

void rate_limiter_core::cancel(uint64_t id) {
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const queued_entry& q) { return q.r.id == id; }),
               queue_.end());
}

void rate_limiter_core::learn(const rate_headers& h, ms now) {
  if (h.requests_limit && *h.requests_limit > 0)
    limits_.requests =
        limits_.requests > 0 ? std::min(limits_.requests, *h.requests_limit) : *h.requests_limit;
  if (h.input_limit && *h.input_limit > 0)
    limits_.input_tokens =
        limits_.input_tokens > 0 ? std::min(limits_.input_tokens, *h.input_limit) : *h.input_limit;
  if (h.output_limit && *h.output_limit > 0)
    limits_.output_tokens = limits_.output_tokens > 0
                                ? std::min(limits_.output_tokens, *h.output_limit)
                                : *h.output_limit;
  if (h.requests_remaining) {
    // The upstream's count is the truth for the rest of its window (a
    // rejection's retry-after says when that window ends).
    learned_requests_left_ = *h.requests_remaining;
    learned_until_ = now + limits_.window;
    if (h.retry_after && *h.requests_remaining <= 0)
      learned_until_ = std::min(*learned_until_, now + *h.retry_after);
  }
  if (h.retry_after) {
    auto until = now + *h.retry_after;
    if (!paused_until_ || *paused_until_ < until) paused_until_ = until;
  }
}

std::optional<ms> rate_limiter_core::next_wakeup(ms now) const {
  if (queue_.empty()) return std::nullopt;
  if (paused_until_ && now < *paused_until_) return *paused_until_;
  std::optional<ms> wake;
  auto consider = [&](ms t) {
    if (!wake || t < *wake) wake = std::max(t, now);
  };
  // Every reason grant() can stop for, except the in-flight cap (a release
  // wakes that one).
  if (learned_requests_left_ && *learned_requests_left_ <= 0 && learned_until_)
    consider(*learned_until_);
  if (!window_.empty()) consider(window_.front().at + limits_.window);
  return wake;
}

ms rate_limiter_core::oldest_wait(ms now) const {
  ms oldest{0};
  for (const auto& q : queue_)
    oldest = std::max(oldest, now - q.since);
  return oldest;
}

rate_headers parse_rate_headers(const std::map<std::string, std::string>& headers) {
  rate_headers h;
  auto num = [&](const char* name) -> std::optional<long> {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str()) return std::nullopt;
    return v;
  };
  h.requests_limit = num("anthropic-ratelimit-requests-limit");
  h.requests_remaining = num("anthropic-ratelimit-requests-remaining");
  h.input_limit = num("anthropic-ratelimit-input-tokens-limit");
  h.input_remaining = num("anthropic-ratelimit-input-tokens-remaining");
  h.output_limit = num("anthropic-ratelimit-output-tokens-limit");
  h.output_remaining = num("anthropic-ratelimit-output-tokens-remaining");
  if (auto ra = num("retry-after")) h.retry_after = ms(*ra * 1000);
  return h;
}

} // namespace sdlc
