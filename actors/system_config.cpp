#include "actors/system_config.hpp"

#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>

namespace sdlc {

system_config::system_config(bool network, const tls_files& tls,
                             std::chrono::milliseconds connection_timeout) {
  // Work sharing wakes an idle worker as soon as a message arrives; the
  // default work stealing backs off into 10 ms sleeps when idle, and a story's
  // every action crosses several pooled actors (measured in docs/benchmarks.md).
  set("scheduler.policy", caf::atom("sharing"));
  for_each_message_type(
      [this](auto tag, const char* name) { add_message_type<typename decltype(tag)::type>(name); });
  if (network) {
    load<caf::io::middleman>();
    // A TCP connection to a frozen or cut-off peer stays open for hours (no
    // reset ever comes); CAF's own heartbeats make a silent one close, so the
    // monitors on both sides fire: the orchestrator moves the story, the node
    // stops the agent nobody will read.
    auto beat = std::max(connection_timeout / 5, std::chrono::milliseconds(100));
    set("middleman.heartbeat-interval", caf::timespan{beat});
    set("middleman.connection-timeout", caf::timespan{connection_timeout});
  }
  if (network && tls.enabled()) {
    // Both sides present a certificate and verify the other's against `ca`.
    load<caf::openssl::manager>();
    openssl_certificate = tls.certificate;
    openssl_key = tls.key;
    openssl_cafile = tls.ca;
  }
}

} // namespace sdlc
