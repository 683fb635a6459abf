#include "actors/notifier.hpp"

#include "runtime/notify/notify_delivery.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>

#include <fmt/format.h>

namespace sdlc {

namespace {

struct notifier_state {
  notifier_options opts;
  receiver_actor<delivery_failed> log;
  int failed = 0;
  static inline const char* name = "notifier";
};

using notifier_ptr = notifier_actor::stateful_pointer<notifier_state>;

void deliver(notifier_ptr self, const notification& n) {
  auto& st = self->state;
  for (auto& d : deliver_to_channels(n, st.opts.settings, st.opts.file, st.opts.project_root))
    if (d.problem) {
      ++st.failed;
      caf::anon_send(st.log,
                     delivery_failed{n.kind, n.story, d.channel, *d.problem, time::now_ms()});
    }
}

notifier_actor::behavior_type notifier_behavior(notifier_ptr self, notifier_options opts,
                                                receiver_actor<delivery_failed> log) {
  self->state.opts = std::move(opts);
  self->state.log = std::move(log);
  return {
      [=](notification& n) { deliver(self, n); },
      [=](atoms::flush) { return self->state.failed; },
  };
}

} // namespace

bool needs_notifier(const config::notification_settings& s) {
  return s.enabled && (s.uses("file") || s.uses("command") || s.uses("webhook"));
}

notifier_actor spawn_notifier(caf::actor_system& sys, notifier_options opts,
                              receiver_actor<delivery_failed> log) {
  return sys.spawn<caf::detached>(notifier_behavior, std::move(opts), std::move(log));
}

} // namespace sdlc
