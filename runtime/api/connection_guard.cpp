#include "runtime/api/connection_guard.hpp"

#include "runtime/util/reusable_threads.hpp"
#include "runtime/util/sockets.hpp"

#include <httplib.h>

#include <functional>
#include <sys/socket.h>
#include <vector>

namespace sdlc {

connection_guard::connection_guard(uint16_t port, std::chrono::milliseconds deadline)
    : port_(port), deadline_(deadline), thread_([this] { loop(); }) {}

connection_guard::~connection_guard() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void connection_guard::authenticated(int remote_port) {
  std::lock_guard<std::mutex> lock(mu_);
  authenticated_.insert(remote_port);
}

void connection_guard::refuse(int remote_port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++refused_;
  }
  sockets::for_each_connected([&](int fd, const sockaddr_storage& peer) {
    if (sockets::port_of(peer) == remote_port && sockets::local_port(fd) == port_)
      ::shutdown(fd, SHUT_RD);
  });
}

long connection_guard::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

int connection_guard::sweep() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<int, int>> live;
  int count = 0;
  sockets::for_each_connected([&](int fd, const sockaddr_storage& peer) {
    if (sockets::local_port(fd) != port_) return;
    const int remote = sockets::port_of(peer);
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_pair(fd, remote);
    live.push_back(key);
    auto [it, fresh] = seen_.emplace(key, now);
    if (!fresh && !authenticated_.count(remote) && now - it->second > deadline_ &&
        ::shutdown(fd, SHUT_RDWR) == 0) {
      ++count;
      ++refused_;
    }
  });
  // Forget connections that are gone (a later one may reuse the fd or port).
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::pair<int, int>> alive(live.begin(), live.end());
  std::set<int> alive_ports;
  for (const auto& k : alive)
    alive_ports.insert(k.second);
  for (auto it = seen_.begin(); it != seen_.end();)
    it = alive.count(it->first) ? std::next(it) : seen_.erase(it);
  for (auto it = authenticated_.begin(); it != authenticated_.end();)
    it = alive_ports.count(*it) ? std::next(it) : authenticated_.erase(it);
  return count;
}

void connection_guard::loop() {
  const auto period = std::max(std::chrono::milliseconds(100), deadline_ / 4);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [&] { return stop_; })) {
    lock.unlock();
    sweep();
    lock.lock();
  }
}

namespace {

// httplib's view of a pool: it hands in each accepted connection and calls
// shutdown() when the server stops, then deletes the queue.
class connection_pool : public httplib::TaskQueue {
public:
  explicit connection_pool(std::size_t max_threads)
      : threads_(std::chrono::seconds(30), max_threads) {}
  void enqueue(std::function<void()> fn) override { threads_.post(std::move(fn)); }
  void shutdown() override { threads_.shutdown(); }

private:
  reusable_threads threads_;
};

} // namespace

httplib::TaskQueue* make_growing_pool(std::size_t max_threads) {
  return new connection_pool(max_threads);
}

} // namespace sdlc
