#pragma once
// This process's own TCP connections, found through /proc/self/fd: what the
// node and the API gateway sweep to let go of peers that would otherwise hold
// a connection (and the thread or CPU behind it) for as long as they like.
#include <sys/socket.h>

#include <cstdint>
#include <functional>

namespace sdlc::sockets {

// Calls f(fd, peer) for every connected socket of this process.
void for_each_connected(const std::function<void(int fd, const sockaddr_storage& peer)>& f);

// The port of an IPv4/IPv6 address (0 for anything else).
uint16_t port_of(const sockaddr_storage& a);

// The local port `fd` is bound to (0 when it cannot be read).
uint16_t local_port(int fd);

} // namespace sdlc::sockets
