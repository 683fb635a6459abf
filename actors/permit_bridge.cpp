#include "actors/permit_bridge.hpp"

#include <caf/all.hpp>

#include <condition_variable>
#include <mutex>

namespace sdlc {

struct permit_bridge::shared {
  rate_limiter_actor limiter;
  std::map<std::string, long> priorities;
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  int inside = 0; // threads between enter() and leave()

  bool enter() {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) return false;
    ++inside;
    return true;
  }
  void leave() {
    std::lock_guard<std::mutex> lock(mu);
    if (--inside == 0) cv.notify_all();
  }
};

permit_done permit_done_of(uint64_t id, const permit_result& r, const rate_headers& h) {
  auto v = [](const std::optional<long>& x) { return x ? static_cast<int64_t>(*x) : -1; };
  permit_done d;
  d.id = id;
  d.status = r.status;
  d.input_tokens = r.input_tokens;
  d.output_tokens = r.output_tokens;
  d.retry_after_ms = r.retry_after ? r.retry_after->count() : -1;
  d.requests_limit = v(h.requests_limit);
  d.requests_remaining = v(h.requests_remaining);
  d.input_limit = v(h.input_limit);
  d.output_limit = v(h.output_limit);
  return d;
}

permit_bridge::permit_bridge(rate_limiter_actor limiter, std::map<std::string, long> priorities)
    : s_(std::make_shared<shared>()) {
  s_->limiter = std::move(limiter);
  s_->priorities = std::move(priorities);
}

permit_bridge::~permit_bridge() {
  close();
}

gateway_permits permit_bridge::permits() {
  gateway_permits p;
  auto s = s_;
  p.acquire = [s](const permit_request& r) {
    if (!s->enter()) return false;
    auto it = s->priorities.find(r.story);
    auto slot = std::make_shared<permit_slot>();
    permit_wait w{{r.id, r.story, it == s->priorities.end() ? 1L << 30 : it->second,
                   r.input_estimate, r.output_estimate},
                  std::make_shared<permit_ticket>(slot)};
    caf::anon_send(s->limiter, std::move(w));
    // No timeout: waiting is the point. close() has the limiter refuse every
    // waiting slot (a scoped actor per permit would also keep the actor
    // system from shutting down while anything refers to it).
    bool granted = slot->wait() == permit_slot::answer::granted;
    s->leave();
    return granted;
  };
  p.release = [s](uint64_t id, const permit_result& r, const rate_headers& h) {
    if (!s->enter()) return;
    caf::anon_send(s->limiter, permit_done_of(id, r, h));
    s->leave();
  };
  return p;
}

void permit_bridge::close() {
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (s_->closed) return;
    s_->closed = true;
  }
  caf::anon_send(s_->limiter, atoms::shutdown::value);
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->cv.wait(lock, [&] { return s_->inside == 0; });
  s_->limiter = nullptr; // the gateway may hold `s_` past the actor system
}

} // namespace sdlc
