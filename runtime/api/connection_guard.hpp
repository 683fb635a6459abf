#pragma once
// What keeps the loopback gateway serving its agents while anything else on
// the machine connects to it (docs/remote-nodes.md, "security"):
// - a request is judged on its headers: without the run's token, or with a
//   body larger than the API accepts, it is answered at once and the rest of
//   its body is never read (the connection's read side is shut);
// - a connection that has not proved the token within `deadline` of being
//   first seen (a slow client trickling headers) is shut down;
// - worker threads grow with the connections, so clients that hold theirs
//   for a while never leave a token holder waiting for a thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace httplib {
class TaskQueue;
}

namespace sdlc {

// The API's own request size limit: nothing larger is worth reading.
constexpr std::size_t max_request_body = 32u << 20;

class connection_guard {
public:
  connection_guard(uint16_t port, std::chrono::milliseconds deadline);
  ~connection_guard();
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

  // A request on the connection from `remote_port` proved the token.
  void authenticated(int remote_port);
  // The request from `remote_port` is refused: nothing more is read from its
  // connection (the answer is still written).
  void refuse(int remote_port);
  // One sweep now; how many connections it shut down (the thread sweeps on
  // its own every ~half second).
  int sweep();
  long refused() const;

private:
  void loop();
  uint16_t port_;
  std::chrono::milliseconds deadline_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  long refused_ = 0;
  std::set<int> authenticated_;                                               // remote ports
  std::map<std::pair<int, int>, std::chrono::steady_clock::time_point> seen_; // (fd, port)
  std::thread thread_;
};

// A task queue for httplib::Server over reusable_threads: a thread for every
// connection while they number fewer than `max_threads` (a connection holds
// its thread as long as it is open), idle threads end after 30 s.
httplib::TaskQueue* make_growing_pool(std::size_t max_threads);

} // namespace sdlc
