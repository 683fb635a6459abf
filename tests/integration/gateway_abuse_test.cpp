#define BOOST_TEST_MODULE gateway_abuse
// The gateway under clients that do not play by the rules (issue 13, item 4):
// a huge tokenless body is never read, slow tokenless clients are let go,
// and none of them keeps an agent with the token from being served.
#include "runtime/api/gateway.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <atomic>
#include <thread>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sdlc;

namespace {

const std::string request_body =
    R"({"model":"claude-test","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

struct fd_owner {
  int fd = -1;
  ~fd_owner() {
    if (fd >= 0) ::close(fd);
  }
};

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long v = 0;
  while (in >> key)
    if (key == "VmRSS:") {
      in >> v;
      return v;
    }
  return 0;
}

// Whether the peer ended the connection (EOF or reset) within `limit`.
bool closed_by_peer(int fd, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

struct gw_fixture {
  test::temp_dir d;
  test::stub_api stub{"default:\n  text: \"Hello from the stub.\"\n", d.path};
  gateway gw{[&] {
    gateway_options o;
    o.upstream = stub.url();
    o.token = "run-token-123";
    o.auth_deadline = std::chrono::milliseconds(1500);
    return o;
  }()};

  bool agent_request_succeeds() {
    httplib::Client via("127.0.0.1", gw.port());
    via.set_read_timeout(std::chrono::seconds(60));
    auto r = via.Post("/s/S-1/plan/v1/messages",
                      {{"x-sdlc-token", "run-token-123"}, {"anthropic-version", "2023-06-01"}},
                      request_body, "application/json");
    return r && r->status == 200 && r->body.find("message_stop") != std::string::npos;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_huge_tokenless_body_is_not_read, gw_fixture) {
  const long before = rss_kb();
  fd_owner c{connect_loopback(gw.port())};
  const long long claimed = 600ll << 20;
  auto head = "POST /s/S-1/plan/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: " +
              std::to_string(claimed) + "\r\n\r\n";
  BOOST_REQUIRE(::send(c.fd, head.data(), head.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(head.size()));
  timeval tv{1, 0}; // a send that blocks this long: the gateway stopped reading
  ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string chunk(1 << 20, 'x');
  long long sent = 0;
  while (sent < claimed) {
    auto n = ::send(c.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += n;
  }
  BOOST_TEST(sent < (64ll << 20), "the gateway took " << (sent >> 20) << " MB of a tokenless body");
  BOOST_TEST(rss_kb() - before < 64 * 1024, "RSS grew by " << (rss_kb() - before) << " kB");
  BOOST_TEST(gw.refused() >= 1);
  BOOST_TEST(agent_request_succeeds());
}

BOOST_FIXTURE_TEST_CASE(a_body_over_the_api_limit_is_refused_with_the_token, gw_fixture) {
  httplib::Client via("127.0.0.1", gw.port());
  std::string big((33u << 20), 'x');
  auto r = via.Post("/s/S-1/plan/v1/messages", {{"x-sdlc-token", "run-token-123"}}, big,
                    "application/json");
  // The answer is 413, or the connection is reset before the client reads it.
  if (r) BOOST_TEST(r->status == 413);
  BOOST_TEST(test::read(stub.log_file()).empty()); // nothing went upstream
  BOOST_TEST(agent_request_succeeds());
}

BOOST_FIXTURE_TEST_CASE(slow_tokenless_clients_are_let_go_and_agents_still_served, gw_fixture) {
  // 70 clients that start a request and trickle its headers, a byte well
  // within every read timeout, so that only the token deadline ends them
  // (more than the 64 threads a fixed pool would have).
  std::vector<fd_owner> slow(70);
  const std::string partial = "POST /s/S-1/plan/v1/messages HTTP/1.1\r\nX-Slow: ";
  for (auto& s : slow) {
    s.fd = connect_loopback(gw.port());
    BOOST_REQUIRE(::send(s.fd, partial.data(), partial.size(), MSG_NOSIGNAL) > 0);
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] { // no Boost.Test here: it is not thread-safe
    while (!stop)
      for (auto& s : slow) {
        ::send(s.fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
  });
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~joiner() {
      stop = true;
      t.join();
    }
  } join{stop, trickle};
  // Every thread they hold is one the agent does not need: served at once.
  BOOST_TEST(agent_request_succeeds());
  // Past the deadline the gateway lets every one of them go.
  int closed = 0;
  for (auto& s : slow)
    closed += closed_by_peer(s.fd, std::chrono::seconds(30)) ? 1 : 0;
  BOOST_TEST(closed == 70);
  BOOST_TEST(gw.refused() >= 70);
  BOOST_TEST(agent_request_succeeds());
}
