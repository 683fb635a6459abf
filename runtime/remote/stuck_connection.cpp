#include "runtime/remote/stuck_connection.hpp"

#include "runtime/util/sockets.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <vector>

namespace sdlc {

namespace {

std::vector<sockaddr_storage> resolve(const std::string& host, uint16_t port) {
  std::vector<sockaddr_storage> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  auto service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0) return out;
  for (auto* a = res; a; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    out.push_back(s);
  }
  ::freeaddrinfo(res);
  return out;
}

bool same_peer(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
    return x.sin6_port == y.sin6_port &&
           std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
  }
  return false;
}

} // namespace

int shut_down_connections_to(const std::string& host, uint16_t port) {
  auto peers = resolve(host, port);
  if (peers.empty()) return 0;
  int count = 0;
  sockets::for_each_connected([&](int fd, const sockaddr_storage& peer) {
    for (const auto& p : peers)
      if (same_peer(peer, p) && ::shutdown(fd, SHUT_RDWR) == 0) {
        ++count;
        return;
      }
  });
  return count;
}

} // namespace sdlc
