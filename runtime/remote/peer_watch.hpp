#pragma once
// Who is connected to a node, and whether they proved the shared secret.
// CAF's middleman reads whatever a peer sends before any actor sees a
// message (a BASP header claiming a 4 GiB payload is allocated as claimed),
// so a node bounds what an unauthenticated peer can do: off loopback it
// requires TLS with client certificates (a peer without one never gets past
// the handshake), and on every address a connection that has not sent a
// valid node_hello within the deadline is shut down. Every refused or
// vanished peer is logged with its address.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace sdlc {

// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);

class peer_watch {
public:
  using log_fn = std::function<void(const std::string&)>;
  peer_watch(uint16_t port, std::chrono::milliseconds auth_deadline, log_fn log);

  // The port actually listened on, once known (publish may pick it).
  void set_port(uint16_t port);
  // The peer at host:port proved the secret (thread-safe).
  void trust(const std::string& host, uint16_t port);
  // One pass over the node's connections; how many it shut down.
  int sweep();

private:
  uint16_t port_;
  std::chrono::milliseconds deadline_;
  log_fn log_;
  std::mutex mu_;
  std::set<std::string> trusted_; // "addr:port"
  struct seen {
    std::chrono::steady_clock::time_point first;
    bool refused = false;
  };
  std::map<std::pair<int, std::string>, seen> connections_; // (fd, peer)
};

} // namespace sdlc
