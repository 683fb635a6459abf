#include "actors/rate_limiter.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <chrono>
#include <map>

namespace sdlc {

namespace {

struct limiter_state {
  std::unique_ptr<rate_limiter_core> core;
  std::map<uint64_t, caf::typed_response_promise<uint64_t>> waiting;
  caf::actor status;
  std::optional<ms> tick_at; // the wake-up already scheduled
  std::string last_report;
  static inline const char* name = "rate_limiter";
};

using limiter_ptr = rate_limiter_actor::stateful_pointer<limiter_state>;

// The actor clock: real time in a run, virtual time under the test scheduler.
ms now_of(limiter_ptr self) {
  return std::chrono::duration_cast<ms>(self->clock().now().time_since_epoch());
}

void report(limiter_ptr self) {
  auto& st = self->state;
  if (!st.status) return;
  auto text = fmt::format("{}/{} · queued {} · 429s {}", st.core->in_flight(), st.core->cap(),
                          st.core->queued(), st.core->rejections());
  if (text == st.last_report) return;
  st.last_report = text;
  caf::anon_send(st.status, story_event{"", "api", "", text, time::now_ms()});
}

void pump(limiter_ptr self) {
  auto& st = self->state;
  auto now = now_of(self);
  for (auto id : st.core->grant(now)) {
    auto it = st.waiting.find(id);
    if (it != st.waiting.end()) {
      it->second.deliver(id);
      st.waiting.erase(it);
    }
  }
  if (auto wake = st.core->next_wakeup(now); wake && (!st.tick_at || *wake < *st.tick_at)) {
    st.tick_at = wake;
    self->delayed_send(self, std::max(ms(1), *wake - now), atoms::tick::value);
  }
  report(self);
}

} // namespace

rate_limiter_actor::behavior_type limiter_behavior(limiter_ptr self, api_limits limits,
                                                   caf::actor status) {
  self->state.status = std::move(status);
  self->state.core = std::make_unique<rate_limiter_core>(limits, now_of(self));
  return {
      [=](permit_ask& a) -> caf::result<uint64_t> {
        auto& st = self->state;
        auto promise = self->make_response_promise<uint64_t>();
        st.waiting[a.id] = promise;
        st.core->enqueue({a.id, a.story, a.priority, a.input_estimate, a.output_estimate},
                         now_of(self));
        pump(self);
        return promise;
      },
      [=](permit_done& d) {
        auto& st = self->state;
        auto opt = [](int64_t v) { return v >= 0 ? std::optional<long>(v) : std::nullopt; };
        rate_headers h;
        h.requests_limit = opt(d.requests_limit);
        h.requests_remaining = opt(d.requests_remaining);
        h.input_limit = opt(d.input_limit);
        h.output_limit = opt(d.output_limit);
        permit_result r;
        r.status = d.status;
        r.input_tokens = d.input_tokens;
        r.output_tokens = d.output_tokens;
        if (d.retry_after_ms >= 0) r.retry_after = ms(d.retry_after_ms);
        auto now = now_of(self);
        st.core->learn(h, now);
        st.core->release(d.id, r, now);
        pump(self);
      },
      [=](atoms::tick) {
        self->state.tick_at.reset();
        pump(self);
      },
  };
}

rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys, api_limits limits,
                                      caf::actor status) {
  return sys.spawn(limiter_behavior, limits, std::move(status));
}

} // namespace sdlc
