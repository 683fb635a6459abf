#pragma once
#include "runtime/remote/connection_timeout.hpp"

#include <caf/actor_system_config.hpp>

#include <chrono>
#include <string>

namespace sdlc {

// Certificates for the connection between an orchestrator and its nodes
// (CAF's openssl module): this side's certificate and key, and the CA that
// signed the other side's. Empty: plain TCP (the shared token still holds).
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;
  bool enabled() const { return !certificate.empty(); }
};

// The actor system configuration every sdlc-actors process uses: registers the
// whole message vocabulary (actors/messages.hpp). `network`: load CAF's
// middleman (a node, or a run with nodes).
class system_config : public caf::actor_system_config {
public:
  explicit system_config(bool network = false, const tls_files& tls = {},
                         std::chrono::milliseconds connection_timeout = default_connection_timeout);
};

} // namespace sdlc
