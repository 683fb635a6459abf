#include "runtime/remote/gatekeeper.hpp"

#include "runtime/remote/basp_frames.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sdlc {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::size_t buffer_cap = 1u << 20; // per direction; reading pauses beyond it

std::string peer_text(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &v4.sin_addr, buf, sizeof buf);
    return fmt::format("{}:{}", buf, ntohs(v4.sin_port));
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
  ::inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf);
  return fmt::format("[{}]:{}", buf, ntohs(v6.sin6_port));
}

uint16_t local_port_of(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(a).sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6&>(a).sin6_port);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct connection {
  int client = -1, upstream = -1;
  std::string peer;
  uint16_t upstream_port = 0; // our end toward CAF: what CAF calls the peer's port
  clock::time_point opened = clock::now();
  bool trusted = false;
  bool connecting = false; // upstream connect in progress
  bool closed = false;
  std::string to_upstream, to_client;
  basp_frame_scanner scanner;
  explicit connection(uint32_t max_frame) : scanner(max_frame) {}
};

} // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

struct gatekeeper::impl {
  gatekeeper_options opts;
  log_fn log;
  int listener = -1;
  int wake = -1; // eventfd: trust() and the destructor
  uint16_t port = 0;
  std::mutex mu;
  std::set<uint16_t> trusted_ports;
  bool stop = false;
  std::list<connection> conns;
  std::thread thread;

  void listen_on(const std::string& host, uint16_t wanted) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    auto service = std::to_string(wanted);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
      throw bad_input(fmt::format("--listen {}:{}: {}", host, wanted, ::gai_strerror(rc)));
    std::string why = "no address";
    for (auto* a = res; a && listener < 0; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
        listener = fd;
      } else {
        why = std::strerror(errno);
        ::close(fd);
      }
    }
    ::freeaddrinfo(res);
    if (listener < 0)
      throw failure(fmt::format("node: cannot listen on {}:{}: {}", host, wanted, why));
    port = local_port_of(listener);
  }

  bool connect_upstream(connection& c) {
    c.upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(opts.upstream_port);
    if (c.upstream < 0 ||
        (::connect(c.upstream, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 &&
         errno != EINPROGRESS))
      return false;
    int one = 1;
    ::setsockopt(c.upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.connecting = true;
    c.upstream_port = local_port_of(c.upstream);
    return true;
  }

  std::size_t untrusted() const {
    std::size_t n = 0;
    for (const auto& c : conns)
      n += !c.trusted && !c.closed;
    return n;
  }

  void end(connection& c, const std::string& why = {}) {
    if (c.closed) return;
    c.closed = true;
    if (!why.empty())
      log(fmt::format("refused {}: {}; connection closed", c.peer, why));
    else if (!c.trusted)
      log(fmt::format("peer {} left without proving the token (a wrong token, a refused TLS "
                      "handshake, or it hung up)",
                      c.peer));
    close_fd(c.client);
    close_fd(c.upstream);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&from), &len,
                         SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conns.emplace_back(opts.max_untrusted_frame);
      auto& c = conns.back();
      c.client = fd;
      c.peer = peer_text(from);
      if (untrusted() > opts.max_untrusted) {
        end(c, fmt::format("{} connections are already waiting to prove the token",
                           opts.max_untrusted));
        continue;
      }
      // Plain BASP: CAF speaks first (its handshake). TLS: the peer does;
      // CAF meets it only once it says something.
      if (!opts.tls && !connect_upstream(c)) end(c, "the node itself cannot be reached");
    }
  }

  // Reads what `from` has into `into` (up to the cap); false on EOF/error.
  static bool pull(int from, std::string& into) {
    char buf[64 * 1024];
    while (into.size() < buffer_cap) {
      auto n = ::recv(from, buf, sizeof buf, 0);
      if (n > 0) {
        into.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    return true;
  }

  static bool push(int to, std::string& from) {
    while (!from.empty()) {
      auto n = ::send(to, from.data(), from.size(), MSG_NOSIGNAL);
      if (n > 0) {
        from.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    return true;
  }

  void serve(connection& c, short client_ev, short upstream_ev) {
    if (c.closed) return;
    if (client_ev & (POLLIN | POLLHUP | POLLERR)) {
      const auto before = c.to_upstream.size();
      bool open = pull(c.client, c.to_upstream);
      if (!c.trusted && !opts.tls && c.to_upstream.size() > before)
        if (auto bad = c.scanner.feed(std::string_view(c.to_upstream).substr(before)))
          return end(c, *bad + " before proving the token");
      if (c.upstream < 0 && !c.to_upstream.empty() && !connect_upstream(c))
        return end(c, "the node itself cannot be reached");
      if (!open) {
        if (c.upstream >= 0 && !c.connecting) push(c.upstream, c.to_upstream);
        return end(c);
      }
    }
    if (c.connecting && (upstream_ev & (POLLOUT | POLLERR | POLLHUP))) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return end(c, "the node itself cannot be reached");
      c.connecting = false;
    }
    if (c.upstream >= 0 && !c.connecting) {
      if (upstream_ev & (POLLIN | POLLHUP | POLLERR)) {
        bool open = pull(c.upstream, c.to_client);
        if (!open) { // CAF let go of it (e.g. a refused TLS handshake)
          push(c.client, c.to_client);
          return end(c);
        }
      }
      if (!push(c.upstream, c.to_upstream)) return end(c);
    }
    if (!push(c.client, c.to_client)) return end(c);
  }

  void loop() {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop) break;
        for (auto& c : conns)
          if (!c.trusted && !c.closed && c.upstream_port && trusted_ports.count(c.upstream_port))
            c.trusted = true;
        // Consumed: a later connection may reuse a port, and must earn it.
        trusted_ports.clear();
      }
      std::vector<pollfd> fds = {{listener, POLLIN, 0}, {wake, POLLIN, 0}};
      for (auto& c : conns) {
        short cev = 0, uev = 0;
        if (c.to_upstream.size() < buffer_cap) cev |= POLLIN;
        if (!c.to_client.empty()) cev |= POLLOUT;
        if (c.upstream >= 0) {
          if (c.connecting) uev |= POLLOUT;
          if (c.to_client.size() < buffer_cap) uev |= POLLIN;
          if (!c.to_upstream.empty()) uev |= POLLOUT;
        }
        fds.push_back({c.client, cev, 0});
        fds.push_back({c.upstream, uev, 0}); // fd -1: ignored by poll
      }
      ::poll(fds.data(), fds.size(), 250);
      if (fds[1].revents & POLLIN) {
        uint64_t v = 0;
        if (::read(wake, &v, sizeof v) < 0) {
          // nothing to drain
        }
      }
      std::size_t i = 2;
      for (auto& c : conns) {
        serve(c, fds[i].revents, fds[i + 1].revents);
        i += 2;
      }
      if (fds[0].revents & POLLIN) accept_all();
      const auto now = clock::now();
      for (auto& c : conns)
        if (!c.closed && !c.trusted && now - c.opened > opts.deadline)
          end(c, fmt::format("no valid node_hello within {} ms", opts.deadline.count()));
      conns.remove_if([](const connection& c) { return c.closed; });
    }
    for (auto& c : conns) {
      close_fd(c.client);
      close_fd(c.upstream);
    }
    conns.clear();
  }
};

gatekeeper::gatekeeper(gatekeeper_options opts, log_fn log) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->log = std::move(log);
  impl_->listen_on(impl_->opts.host, impl_->opts.port);
  impl_->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl_->thread = std::thread([this] { impl_->loop(); });
}

gatekeeper::~gatekeeper() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  uint64_t one = 1;
  if (::write(impl_->wake, &one, sizeof one) < 0) {
    // the loop wakes within its poll interval anyway
  }
  impl_->thread.join();
  ::close(impl_->listener);
  ::close(impl_->wake);
}

uint16_t gatekeeper::port() const {
  return impl_->port;
}

void gatekeeper::trust(uint16_t upstream_local_port) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->trusted_ports.insert(upstream_local_port);
  }
  uint64_t one = 1;
  if (::write(impl_->wake, &one, sizeof one) < 0) {
    // the loop sees it within its poll interval anyway
  }
}

} // namespace sdlc
