#pragma once
// The front door of a node (docs/remote-nodes.md, "security"). CAF's
// middleman reads whatever a peer sends before any actor sees a message: a
// 32-byte BASP header claiming a 4 GiB payload makes it allocate 4 GiB, and
// bytes that are no BASP are dropped without a word. So the node's actor is
// published on a loopback port only, and the gatekeeper owns the port peers
// connect to: it accepts each connection, relays its bytes to CAF, and until
// the peer has proved the shared secret (the node actor calls trust() for
// it after a valid node_hello) it
// - checks every BASP frame the peer sends (plain TCP): a frame larger than
//   a handshake or a hello ever is, or no BASP at all, ends the connection;
// - lets at most `max_untrusted` such connections exist at once;
// - ends the connection after `deadline`.
// Every refused peer, and every peer that left without proving the secret,
// is logged with its address. With TLS the bytes are opaque, but a peer
// without a certificate our CA signed never gets past the handshake; off
// loopback a node requires TLS (run_node).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sdlc {

// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);

struct gatekeeper_options {
  std::string host = "127.0.0.1"; // where peers connect
  uint16_t port = 0;              // 0: any free port
  uint16_t upstream_port = 0;     // the node actor, published on 127.0.0.1
  bool tls = false;               // the bytes are TLS: no frame checks
  std::chrono::milliseconds deadline{15000};
  std::size_t max_untrusted = 64;
  uint32_t max_untrusted_frame = 64u << 10; // a handshake or a hello is far smaller
};

class gatekeeper {
public:
  using log_fn = std::function<void(const std::string&)>;
  // Listens on host:port and relays on its own thread. Throws sdlc::error
  // naming the address when it cannot listen.
  gatekeeper(gatekeeper_options opts, log_fn log);
  ~gatekeeper(); // closes every connection and stops the thread
  gatekeeper(const gatekeeper&) = delete;
  gatekeeper& operator=(const gatekeeper&) = delete;

  uint16_t port() const;
  // The peer whose relayed connection reaches CAF from `upstream_local_port`
  // (what CAF reports as the peer's port) proved the secret. Thread-safe.
  void trust(uint16_t upstream_local_port);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sdlc
