#include "runtime/remote/peer_watch.hpp"

#include "runtime/util/sockets.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <vector>

namespace sdlc {

namespace {

// "10.0.0.2:4242" / "[::1]:4242"; v4-mapped v6 addresses as v4.
std::string text_of(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
    return fmt::format("{}:{}", buf, sockets::port_of(a));
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
  ::inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf);
  std::string host = buf;
  if (host.rfind("::ffff:", 0) == 0 && host.find('.') != std::string::npos)
    return fmt::format("{}:{}", host.substr(7), sockets::port_of(a));
  return fmt::format("[{}]:{}", host, sockets::port_of(a));
}

std::string key_of(std::string host, uint16_t port) {
  if (host.rfind("::ffff:", 0) == 0 && host.find('.') != std::string::npos) host = host.substr(7);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}:{}", host, port);
}

} // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

peer_watch::peer_watch(uint16_t port, std::chrono::milliseconds auth_deadline, log_fn log)
    : port_(port), deadline_(auth_deadline), log_(std::move(log)) {}

void peer_watch::set_port(uint16_t port) {
  std::lock_guard<std::mutex> lock(mu_);
  port_ = port;
}

void peer_watch::trust(const std::string& host, uint16_t port) {
  std::lock_guard<std::mutex> lock(mu_);
  trusted_.insert(key_of(host, port));
}

int peer_watch::sweep() {
  const auto now = std::chrono::steady_clock::now();
  std::set<std::pair<int, std::string>> live;
  std::vector<std::string> lines;
  int count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sockets::for_each_connected([&](int fd, const sockaddr_storage& peer) {
      if (sockets::local_port(fd) != port_) return;
      auto key = std::make_pair(fd, text_of(peer));
      live.insert(key);
      auto [it, fresh] = connections_.emplace(key, seen{now});
      if (fresh || it->second.refused || trusted_.count(key.second)) return;
      if (now - it->second.first > deadline_ && ::shutdown(fd, SHUT_RDWR) == 0) {
        it->second.refused = true;
        ++count;
        lines.push_back(fmt::format("refused {}: no valid node_hello within {} ms; connection "
                                    "closed",
                                    key.second, deadline_.count()));
      }
    });
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (live.count(it->first)) {
        ++it;
        continue;
      }
      const auto& peer = it->first.second;
      if (!it->second.refused && !trusted_.count(peer))
        lines.push_back(fmt::format("peer {} left without proving the token (a refused TLS "
                                    "handshake, a wrong token, or bytes CAF dropped)",
                                    peer));
      trusted_.erase(peer);
      it = connections_.erase(it);
    }
  }
  for (const auto& l : lines)
    log_(l);
  return count;
}

} // namespace sdlc
