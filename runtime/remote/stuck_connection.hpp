#pragma once
// Ends this process's TCP connections to host:port without closing their file
// descriptors (shutdown(2), not close(2)): whoever owns them sees the
// connection fail and cleans up as for any dropped peer.
//
// Why: CAF 0.17's OpenSSL transport drives a client handshake by polling the
// socket for writing, and a writable socket is always ready, so a peer that
// accepts the TCP connection and never answers (a frozen node: the kernel
// still accepts for it) keeps CAF's I/O thread spinning forever, and the
// actor system can never shut down. Failing the socket is the one way out
// that CAF handles.
#include <chrono>
#include <cstdint>
#include <string>

namespace sdlc {

// How many connections it shut down. A host that does not resolve: 0.
int shut_down_connections_to(const std::string& host, uint16_t port);

} // namespace sdlc
