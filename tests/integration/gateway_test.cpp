#define BOOST_TEST_MODULE gateway
// The gateway against stub-api: byte-exact SSE pass-through, header
// pass-through, 403 without the run token, usage recorded, upstream down.
#include "runtime/api/gateway.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace sdlc;
using json = nlohmann::json;

namespace {

gateway_options options_for(std::string upstream, std::string token) {
  gateway_options o;
  o.upstream = std::move(upstream);
  o.token = std::move(token);
  return o;
}

const std::string request_body =
    R"({"model":"claude-test","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

httplib::Headers api_headers(const std::string& token = "") {
  httplib::Headers h = {{"x-api-key", "sk-secret-for-gateway-test"},
                        {"anthropic-version", "2023-06-01"},
                        {"anthropic-beta", "fine-grained-tool-streaming-2025-05-14"}};
  if (!token.empty()) h.emplace("x-sdlc-token", token);
  return h;
}

std::vector<json> stub_log(const test::stub_api& stub) {
  std::vector<json> out;
  std::istringstream in(test::read(stub.log_file()));
  std::string line;
  while (std::getline(in, line))
    out.push_back(json::parse(line));
  return out;
}

struct gw_fixture {
  test::temp_dir d;
  test::stub_api stub{"default:\n  text: \"Hello from the stub.\"\n", d.path};
  gateway gw{options_for(stub.url(), "run-token-123")};
};

} // namespace

BOOST_FIXTURE_TEST_CASE(sse_passes_through_byte_exact, gw_fixture) {
  httplib::Client direct(stub.url());
  auto a = direct.Post("/s/S-1/plan/v1/messages?beta=true", api_headers(), request_body,
                       "application/json");
  BOOST_REQUIRE(a);
  httplib::Client via("127.0.0.1", gw.port());
  auto b = via.Post("/s/S-1/plan/v1/messages?beta=true", api_headers("run-token-123"), request_body,
                    "application/json");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->status == 200);
  BOOST_TEST(a->body.find("event: message_start") != std::string::npos);
  BOOST_TEST(b->body == a->body);
  BOOST_TEST(b->get_header_value("content-type").find("text/event-stream") != std::string::npos);
  auto u = gw.usage("S-1", "plan");
  BOOST_TEST(u.input > 0);
  BOOST_TEST(u.output > 0);
}

BOOST_FIXTURE_TEST_CASE(headers_pass_through_and_story_headers_are_added, gw_fixture) {
  httplib::Client via("127.0.0.1", gw.port());
  auto r = via.Post("/s/S-0042/review/v1/messages?beta=true", api_headers("run-token-123"),
                    request_body, "application/json");
  BOOST_REQUIRE(r);
  auto log = stub_log(stub);
  BOOST_REQUIRE(log.size() == 1u);
  BOOST_TEST(log[0]["path"] == "/v1/messages");
  BOOST_TEST(log[0]["x_api_key"] == "sk-secret-for-gateway-test");
  BOOST_TEST(log[0]["anthropic_version"] == "2023-06-01");
  BOOST_TEST(log[0]["anthropic_beta"] == "fine-grained-tool-streaming-2025-05-14");
  BOOST_TEST(log[0]["x_sdlc_story"] == "S-0042");
  BOOST_TEST(log[0]["action"] == "review");
  BOOST_TEST(log[0]["x_sdlc_token"] == ""); // the run's token stays with us
}

BOOST_FIXTURE_TEST_CASE(requests_without_the_token_are_refused, gw_fixture) {
  httplib::Client via("127.0.0.1", gw.port());
  auto none = via.Post("/s/S-1/plan/v1/messages", api_headers(), request_body, "application/json");
  BOOST_REQUIRE(none);
  BOOST_TEST(none->status == 403);
  auto wrong = via.Post("/s/S-1/plan/v1/messages", api_headers("run-token-124"), request_body,
                        "application/json");
  BOOST_TEST(wrong->status == 403);
  auto other_path =
      via.Post("/v1/messages", api_headers("run-token-123"), request_body, "application/json");
  BOOST_TEST(other_path->status == 404);
  BOOST_TEST(stub_log(stub).empty()); // nothing reached the upstream
}

BOOST_FIXTURE_TEST_CASE(non_streaming_and_count_tokens, gw_fixture) {
  httplib::Client via("127.0.0.1", gw.port());
  auto body = json::parse(request_body);
  body["stream"] = false;
  auto r = via.Post("/s/S-1/plan/v1/messages", api_headers("run-token-123"), body.dump(),
                    "application/json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(json::parse(r->body)["content"][0]["text"] == "OK");
  auto c = via.Post("/s/S-1/plan/v1/messages/count_tokens", api_headers("run-token-123"),
                    body.dump(), "application/json");
  BOOST_TEST(json::parse(c->body)["input_tokens"] == 42);
}

BOOST_AUTO_TEST_CASE(upstream_down_is_a_clean_api_error) {
  gateway gw{options_for("http://127.0.0.1:1", "t")};
  httplib::Client via("127.0.0.1", gw.port());
  auto r = via.Post("/s/S-1/plan/v1/messages", api_headers("t"), request_body, "application/json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 502);
  BOOST_TEST(json::parse(r->body)["type"] == "error");
}

BOOST_AUTO_TEST_CASE(stub_answers_429_and_529_when_scripted) {
  test::temp_dir d;
  test::stub_api limited("rate_limit:\n  requests: 1\n  window_ms: 60000\n", d.path);
  httplib::Client c(limited.url());
  auto first = c.Post("/s/S-1/plan/v1/messages", api_headers(), request_body, "application/json");
  BOOST_TEST(first->status == 200);
  auto second = c.Post("/s/S-1/plan/v1/messages", api_headers(), request_body, "application/json");
  BOOST_TEST(second->status == 429);
  BOOST_TEST(std::stoi(second->get_header_value("retry-after")) >= 1);
  BOOST_TEST(second->get_header_value("anthropic-ratelimit-requests-limit") == "1");
  BOOST_TEST(second->get_header_value("anthropic-ratelimit-requests-remaining") == "0");

  test::temp_dir d2;
  test::stub_api overloaded("fail:\n  status: 529\n  count: 1\n", d2.path);
  httplib::Client o(overloaded.url());
  BOOST_TEST(
      o.Post("/s/S-1/plan/v1/messages", api_headers(), request_body, "application/json")->status ==
      529);
  BOOST_TEST(
      o.Post("/s/S-1/plan/v1/messages", api_headers(), request_body, "application/json")->status ==
      200);
  auto stats = json::parse(overloaded.stats());
  BOOST_TEST(stats["status"]["529"] == 1);
  BOOST_TEST(stats["status"]["200"] == 1);
}

BOOST_AUTO_TEST_CASE(a_429_is_retried_without_the_agent_seeing_it) {
  test::temp_dir d;
  test::stub_api limited("rate_limit:\n  requests: 1\n  window_ms: 1000\n", d.path);
  auto opts = options_for(limited.url(), "t");
  opts.backoff = std::chrono::milliseconds(50);
  gateway gw{opts};
  httplib::Client via("127.0.0.1", gw.port());
  via.set_read_timeout(30, 0);
  auto a = via.Post("/s/S-1/plan/v1/messages", api_headers("t"), request_body, "application/json");
  auto b = via.Post("/s/S-1/plan/v1/messages", api_headers("t"), request_body, "application/json");
  BOOST_REQUIRE(a && b);
  BOOST_TEST(a->status == 200);
  BOOST_TEST(b->status == 200); // the stub said 429 first; the gateway waited and retried
  BOOST_TEST(b->body.find("event: message_stop") != std::string::npos);
  BOOST_TEST(gw.retried() >= 1);
  auto stats = json::parse(limited.stats());
  BOOST_TEST(stats["status"]["429"].get<int>() >= 1);
}

BOOST_AUTO_TEST_CASE(permits_are_released_on_every_path) {
  test::temp_dir d;
  test::stub_api flaky("fail:\n  status: 529\n  count: 500\n", d.path);
  std::atomic<long> acquired{0}, released{0};
  std::mutex mu;
  std::set<uint64_t> open;
  auto hook = [&](gateway& g) {
    g.set_permits({[&](const permit_request& r) {
                     ++acquired;
                     std::lock_guard<std::mutex> l(mu);
                     open.insert(r.id);
                     return true;
                   },
                   [&](uint64_t id, const permit_result&, const rate_headers&) {
                     ++released;
                     std::lock_guard<std::mutex> l(mu);
                     open.erase(id);
                   }});
  };
  auto opts = options_for(flaky.url(), "t");
  opts.max_attempts = 2;
  opts.backoff = std::chrono::milliseconds(1);
  gateway gw{opts};
  hook(gw);
  auto down_opts = options_for("http://127.0.0.1:1", "t");
  gateway down{down_opts};
  hook(down);
  httplib::Client via("127.0.0.1", gw.port()), dead("127.0.0.1", down.port());
  int ok = 0, rejected = 0, bad_gateway = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r =
        (i % 5 == 4 ? dead : via)
            .Post("/s/S-1/plan/v1/messages", api_headers("t"), request_body, "application/json");
    BOOST_REQUIRE(r);
    ok += r->status == 200;
    rejected += r->status == 529;
    bad_gateway += r->status == 502;
  }
  BOOST_TEST(ok > 0);
  BOOST_TEST(rejected > 0); // two 529s in a row reach the client as a clean error
  BOOST_TEST(bad_gateway == 200);
  // Wait for the last releasers to run.
  for (int i = 0; i < 100 && released != acquired; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST(acquired.load() == released.load());
  BOOST_TEST(open.empty());
}

namespace {
// An upstream that hangs up: before answering anything, or after the headers
// and the first SSE event. Raw sockets: a real server would finish its reply.
struct hanging_upstream {
  int fd = -1;
  int port = 0;
  std::thread th;
  std::atomic<bool> stop{false};
  explicit hanging_upstream(bool after_first_byte) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    ::listen(fd, 16);
    th = std::thread([this, after_first_byte] {
      while (!stop) {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) return;
        char buf[65536];
        (void)::recv(c, buf, sizeof buf, 0); // the request (small enough)
        if (after_first_byte) {
          std::string head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                             "transfer-encoding: chunked\r\n\r\n";
          std::string ev = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                           "{\"usage\":{\"input_tokens\":7}}}\n\n";
          char size[16];
          std::snprintf(size, sizeof size, "%zx\r\n", ev.size());
          std::string out = head + size + ev + "\r\n";
          (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ::close(c);
      }
    });
  }
  ~hanging_upstream() {
    stop = true;
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    th.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};
} // namespace

BOOST_AUTO_TEST_CASE(upstream_dropped_before_and_after_the_first_byte) {
  for (bool after : {false, true}) {
    hanging_upstream up(after);
    std::atomic<long> acquired{0}, released{0};
    auto opts = options_for(up.url(), "t");
    gateway gw{opts};
    gw.set_permits({[&](const permit_request&) {
                      ++acquired;
                      return true;
                    },
                    [&](uint64_t, const permit_result&, const rate_headers&) { ++released; }});
    httplib::Client via("127.0.0.1", gw.port());
    via.set_read_timeout(10, 0);
    auto r =
        via.Post("/s/S-1/plan/v1/messages", api_headers("t"), request_body, "application/json");
    if (!after) {
      // Nothing reached the agent: a clean API error it can act on.
      BOOST_REQUIRE(r);
      BOOST_TEST(r->status == 502);
      BOOST_TEST(r->body.find("upstream unreachable") != std::string::npos, r->body);
    } else {
      // The first event reached the agent, then the stream ended: no hang, and
      // the agent has what was sent (a truncated stream is its to report).
      if (r) {
        BOOST_TEST(r->status == 200);
        BOOST_TEST(r->body.find("message_start") != std::string::npos);
      }
    }
    for (int i = 0; i < 100 && released != acquired; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(acquired.load() >= 1);
    BOOST_TEST(acquired.load() == released.load(), "after first byte: " << after);
  }
}
