#include "actors/rate_limiter.hpp"

#include "actors/actor_clock.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>

#include <set>
#include <fmt/format.h>

#include <chrono>
#include <map>

namespace sdlc {

namespace {

struct limiter_state {
  std::unique_ptr<rate_limiter_core> core;
  // An actor's ask is answered through its promise, a gateway thread's
  // through its slot.
  struct waiter {
    std::optional<caf::typed_response_promise<uint64_t>> promise;
    std::shared_ptr<permit_ticket> ticket;
    void grant(uint64_t id) {
      if (promise) promise->deliver(id);
      if (ticket) ticket->grant();
    }
    void refuse() {
      if (promise) promise->deliver(caf::make_error(caf::sec::request_receiver_down));
      if (ticket) ticket->refuse();
    }
  };
  std::map<uint64_t, waiter> waiting;
  caf::actor_addr status;
  caf::actor_addr scheduler;
  std::optional<concurrency_scaler> scaler;
  int level = 0;
  std::optional<ms> tick_at; // the wake-up already scheduled
  limiter_stats last_report;
  // Permits asked by actors on other machines (a node's forwarder), by
  // asker: when its connection goes, its permits go with it — a killed
  // node never reports them done, and they would hold the cap forever.
  std::map<caf::actor_addr, std::set<uint64_t>> remote;
  static inline const char* name = "rate_limiter";
};

using limiter_ptr = rate_limiter_actor::stateful_pointer<limiter_state>;

void report(limiter_ptr self) {
  auto& st = self->state;
  if (!st.status) return;
  limiter_stats now{static_cast<int>(st.core->in_flight()), static_cast<int>(st.core->cap()),
                    static_cast<int>(st.core->queued()),
                    static_cast<int64_t>(st.core->rejections()), 0};
  if (auto p = st.core->paused_until(); p && *p > now_of(self))
    now.paused_until_ms = time::now_ms() + (*p - now_of(self)).count();
  const auto& was = st.last_report;
  // Only changes (a pause's end moves with the clock: not a change).
  if (now.in_flight == was.in_flight && now.cap == was.cap && now.queued == was.queued &&
      now.rejections == was.rejections && (now.paused_until_ms > 0) == (was.paused_until_ms > 0))
    return;
  st.last_report = now;
  if (auto to = caf::actor_cast<receiver_actor<limiter_stats>>(st.status)) caf::anon_send(to, now);
}

void pump(limiter_ptr self) {
  auto& st = self->state;
  auto now = now_of(self);
  for (auto id : st.core->grant(now)) {
    auto it = st.waiting.find(id);
    if (it != st.waiting.end()) {
      it->second.grant(id);
      st.waiting.erase(it);
    }
  }
  if (st.scaler) {
    auto level = st.scaler->observe(now, st.core->oldest_wait(now));
    if (level != st.level) {
      st.level = level;
      if (auto to = caf::actor_cast<receiver_actor<concurrency_level>>(st.scheduler))
        caf::anon_send(to, concurrency_level{level, time::now_ms()});
    }
  }
  auto wake = st.core->next_wakeup(now);
  if (st.core->queued() > 0 && st.scaler && (!wake || *wake > now + ms(1000)))
    wake = now + ms(1000); // the scaler watches how long permits wait
  if (wake && (!st.tick_at || *wake < *st.tick_at)) {
    st.tick_at = wake;
    self->delayed_send(self, std::max(ms(1), *wake - now), atoms::tick::value);
  }
  report(self);
}

// A permitted request ended: what the upstream said goes into the core.
void on_done(limiter_ptr self, const permit_done& d) {
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
  for (auto& [addr, ids] : st.remote)
    ids.erase(d.id);
  pump(self);
}

} // namespace

rate_limiter_actor::behavior_type limiter_behavior(limiter_ptr self, limiter_options opts) {
  auto& s0 = self->state;
  s0.status = opts.status;
  s0.scheduler = opts.scheduler;
  s0.scaler = opts.scaler;
  s0.level = s0.scaler ? s0.scaler->level() : 0;
  s0.core = std::make_unique<rate_limiter_core>(opts.limits, now_of(self));
  self->set_down_handler([=](caf::down_msg& m) {
    auto& st = self->state;
    auto it = st.remote.find(m.source);
    if (it == st.remote.end()) return;
    auto now = now_of(self);
    for (auto id : it->second) {
      st.core->cancel(id);
      st.core->release(id, permit_result{0, -1, -1, std::nullopt}, now);
      st.waiting.erase(id);
    }
    st.remote.erase(it);
    pump(self);
  });
  return {
      [=](permit_ask& a) -> caf::result<uint64_t> {
        auto& st = self->state;
        // Before make_response_promise: it moves the sender out of the
        // current message, and current_sender() is null after it.
        auto sender = self->current_sender();
        auto promise = self->make_response_promise<uint64_t>();
        st.waiting[a.id].promise = promise;
        if (sender && sender->node() != self->node()) {
          auto addr = caf::actor_cast<caf::actor_addr>(sender);
          auto [it, fresh] = st.remote.emplace(addr, std::set<uint64_t>{});
          if (fresh) self->monitor(addr);
          it->second.insert(a.id);
        }
        st.core->enqueue({a.id, a.story, a.priority, a.input_estimate, a.output_estimate},
                         now_of(self));
        pump(self);
        return promise;
      },
      [=](permit_wait& w) {
        auto& st = self->state;
        const auto& a = w.ask;
        st.waiting[a.id].ticket = std::move(w.ticket);
        st.core->enqueue({a.id, a.story, a.priority, a.input_estimate, a.output_estimate},
                         now_of(self));
        pump(self);
      },
      [=](permit_done& d) { on_done(self, d); },
      [=](atoms::tick) {
        self->state.tick_at.reset();
        pump(self);
      },
      [=](atoms::shutdown) {
        // CAF 0.17 does not answer a promise dropped with its actor: answer
        // every waiting ask, or its gateway thread would wait forever.
        for (auto& [id, w] : self->state.waiting)
          w.refuse();
        self->state.waiting.clear();
        self->quit();
      },
  };
}

rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys, limiter_options opts) {
  return sys.spawn(limiter_behavior, std::move(opts));
}

} // namespace sdlc
