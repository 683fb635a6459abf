#include "actors/notifier.hpp"

#include "runtime/notify/notify_channels.hpp"
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

void report(notifier_ptr self, const std::string& channel, const notification& n,
            const std::string& problem) {
  auto& st = self->state;
  ++st.failed;
  caf::anon_send(st.log, delivery_failed{n.kind, n.story, channel, problem, time::now_ms()});
}

void deliver(notifier_ptr self, const notification& n) {
  const auto& o = self->state.opts;
  const auto& s = o.settings;
  const auto json = to_json(n).dump();
  if (s.uses("file"))
    if (auto p = append_to_file(o.file, json)) report(self, "file", n, *p);
  if (s.uses("command") && s.command)
    if (auto p = run_notify_command(*s.command, json, o.project_root, s.timeout,
                                    std::string(to_string(n.kind)), n.story))
      report(self, "command", n, *p);
  if (s.uses("webhook") && s.webhook_url)
    if (auto p = post_webhook(*s.webhook_url, json, s.timeout))
      report(self, "webhook " + redact_url(*s.webhook_url), n, *p);
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
