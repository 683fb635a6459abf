#include "runtime/api/gateway.hpp"

#include "runtime/api/connection_guard.hpp"
#include "runtime/api/upstream_exchange.hpp"

#include "runtime/api/pricing.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/secret.hpp"
#include "runtime/util/time.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <random>
#include <regex>
#include <atomic>
#include <thread>

namespace sdlc {

namespace {

// Request headers passed upstream as they came (auth and API versioning).
const char* forwarded_request_headers[] = {"x-api-key",      "authorization", "anthropic-version",
                                           "anthropic-beta", "content-type",  "accept",
                                           "user-agent"};

bool forward_response_header(const std::string& lower_name) {
  return lower_name == "content-type" || lower_name == "retry-after" ||
         lower_name == "request-id" || lower_name.rfind("anthropic-", 0) == 0 ||
         lower_name == "x-should-retry";
}

// A refused request's body up to this size is drained like any other.
constexpr unsigned long long small_body = 64u << 10;

// The agent is told not to retry (x-should-retry: false) and when the API
// comes back; its story parks until then instead of failing.
void respond_parked(httplib::Response& res, int64_t until_ms, int64_t now_ms) {
  res.status = 429;
  auto secs = std::max<int64_t>(1, (until_ms - now_ms + 999) / 1000);
  res.set_header("retry-after", std::to_string(secs));
  res.set_header("x-should-retry", "false");
  res.set_content(
      fmt::format(
          R"({{"type":"error","error":{{"type":"rate_limit_error","message":"sdlc-actors gateway: the API's limit resets in {} s; the story is parked until then"}}}})",
          secs),
      "application/json");
}

} // namespace

struct gateway::impl {
  gateway_options opts;
  mutable std::mutex permits_mu;
  std::shared_ptr<const gateway_permits> permits_ = std::make_shared<gateway_permits>();
  std::shared_ptr<const gateway_permits> permits() const {
    std::lock_guard<std::mutex> lock(permits_mu);
    return permits_;
  }
  std::atomic<int64_t> parked_until{0};
  std::atomic<uint64_t> next_permit{1};
  std::atomic<long> retried_count{0};
  // Permits taken from the limiter and not yet given back: 0 whenever no
  // request is in flight (every path gives its permit back).
  std::shared_ptr<std::atomic<long>> held = std::make_shared<std::atomic<long>>(0);
  log_fn on_request;
  httplib::Server server;
  std::unique_ptr<connection_guard> guard; // before `thread`: it outlives the server's threads
  std::thread thread;
  int port = 0;
  std::shared_ptr<usage_book> book = std::make_shared<usage_book>();

  std::optional<std::chrono::milliseconds> park_time(const exchange& ex) const {
    return exchange_park_time(ex, opts.park_threshold);
  }

  // The run's token and a body the API would take, from the headers alone;
  // false: answered here, and nothing more is read from the connection.
  bool screen(const httplib::Request& req, httplib::Response& res) {
    const auto length = req.get_header_value("Content-Length");
    unsigned long long bytes = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bytes);
    const bool bad_length =
        !length.empty() && (ec != std::errc() || end != length.data() + length.size());
    auto refuse = [&](int status, const char* type, const char* message) {
      res.status = status;
      res.set_header("Connection", "close");
      res.set_content(fmt::format(R"({{"type":"error","error":{{"type":"{}","message":"{}"}}}})",
                                  type, message),
                      "application/json");
      // A small body is read and dropped as usual (the client then reads the
      // answer); a large or unknown one is not read at all, at the cost of
      // a reset the client may see before the answer.
      if (bad_length || bytes > small_body || req.has_header("Transfer-Encoding"))
        guard->refuse(req.remote_port);
      if (on_request) on_request({"", "", req.path, status, 0, {}});
      return false;
    };
    if (!same_secret(req.get_header_value("x-sdlc-token"), opts.token))
      return refuse(403, "permission_error", "sdlc-actors gateway: missing or wrong run token");
    if (bad_length)
      return refuse(400, "invalid_request_error", "sdlc-actors gateway: bad Content-Length");
    if (bytes > max_request_body)
      return refuse(413, "request_too_large",
                    "sdlc-actors gateway: request larger than the API accepts (32 MB)");
    guard->authenticated(req.remote_port);
    return true;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    const auto story = req.matches[1].str();
    const auto action = req.matches[2].str();
    const auto rest = req.matches[3].str(); // "/v1/messages" or ".../count_tokens"
    auto url = opts.upstream + rest;
    if (!req.params.empty()) {
      std::string q;
      for (const auto& [k, v] : req.params)
        q += (q.empty() ? "?" : "&") + k + (v.empty() ? "" : "=" + v);
      url += q;
    }
    auto body = std::make_shared<std::string>(req.body);
    std::vector<std::string> headers;
    for (auto name : forwarded_request_headers)
      if (req.has_header(name))
        headers.push_back(fmt::format("{}: {}", name, req.get_header_value(name)));
    headers.push_back("x-sdlc-story: " + story);
    headers.push_back("x-sdlc-action: " + action);
    headers.push_back("Expect:"); // no 100-continue round trip

    const auto now = time::now_ms();
    if (auto until = parked_until.load(); until > now) {
      respond_parked(res, until, now);
      if (on_request) on_request({story, action, rest, 429, 0, {}});
      return;
    }
    // Each attempt takes a permit from the shared limiter first. A 429/529
    // that arrives before anything reached the agent is retried here (the
    // limiter pauses every grant meanwhile), so the agent never sees it.
    const long input_estimate = static_cast<long>(req.body.size() / 4);
    std::shared_ptr<exchange> ex;
    uint64_t permit = 0;
    const auto permits = this->permits(); // one limiter for the whole request
    for (int attempt = 1;; ++attempt) {
      permit = next_permit++;
      if (permits->acquire && !permits->acquire({permit, story, 0, input_estimate, 1024})) {
        res.status = 503;
        res.set_content(
            R"({"type":"error","error":{"type":"overloaded_error","message":"sdlc-actors gateway: no API permit, the run is stopping"}})",
            "application/json");
        return;
      }
      ex = start_exchange(url, body, headers, book, story, action);
      std::unique_lock<std::mutex> lock(ex->mu);
      ex->cv.wait(lock, [&] { return ex->headers_done; });
      const bool rejected = ex->status == 429 || ex->status == 529;
      if (!rejected) break;
      auto park = park_time(*ex);
      if (!park && attempt >= opts.max_attempts) break;
      ex->cv.wait(lock, [&] { return ex->finished; }); // drain the error body
      auto h = response_rate_headers(*ex);
      permit_result r;
      r.status = ex->status;
      r.retry_after = h.retry_after;
      lock.unlock();
      if (permits->release) permits->release(permit, r, h);
      if (park) {
        auto until = time::now_ms() + park->count();
        auto prev = parked_until.load();
        while (prev < until && !parked_until.compare_exchange_weak(prev, until)) {
        }
        respond_parked(res, until, time::now_ms());
        if (on_request) on_request({story, action, rest, 429, 0, {}});
        return;
      }
      ++retried_count;
      // Without a limiter (or a retry-after), wait here: exponential with jitter.
      if (!permits->acquire || !h.retry_after) {
        auto base = opts.backoff * (1 << std::min(attempt - 1, 6));
        thread_local std::mt19937 rng{std::random_device{}()};
        auto jitter =
            std::uniform_int_distribution<long>(0, std::max<long>(1, base.count() / 2))(rng);
        std::this_thread::sleep_for(base + std::chrono::milliseconds(jitter));
      }
    }
    std::unique_lock<std::mutex> lock(ex->mu);
    if (ex->status == 0) {
      // Nothing came back: the agent gets a clean API error.
      res.status = 502;
      res.set_content(
          fmt::format(
              R"({{"type":"error","error":{{"type":"api_error","message":"sdlc-actors gateway: upstream unreachable: {}"}}}})",
              ex->curl_error),
          "application/json");
      lock.unlock();
      if (permits->release) {
        permit_result r;
        r.status = 0;
        permits->release(permit, r, {});
      }
      if (on_request) on_request({story, action, rest, 502, 0, {}});
      return;
    }
    res.status = ex->status;
    std::string content_type = "application/json";
    for (const auto& [k, v] : ex->headers) {
      if (k == "content-type")
        content_type = v;
      else if (forward_response_header(k))
        res.set_header(k, v);
    }
    lock.unlock();
    auto self = this;
    res.set_chunked_content_provider(
        content_type,
        [ex](std::size_t, httplib::DataSink& sink) {
          std::unique_lock<std::mutex> l(ex->mu);
          ex->cv.wait(l, [&] { return !ex->chunks.empty() || ex->finished; });
          while (!ex->chunks.empty()) {
            auto chunk = std::move(ex->chunks.front());
            ex->chunks.pop_front();
            l.unlock();
            bool ok = sink.write(chunk.data(), chunk.size());
            l.lock();
            if (!ok) {
              ex->client_gone = true;
              return false;
            }
          }
          if (ex->finished) sink.done();
          return true;
        },
        [ex, self, permits, story, action, rest, started, permit](bool) {
          std::unique_lock<std::mutex> l(ex->mu);
          if (!ex->finished) ex->client_gone = true;
          if (permits->release) {
            // Back to the limiter on every path: done, failed, client gone.
            permit_result r;
            r.status = ex->status;
            if (ex->usage.input || ex->usage.output) {
              r.input_tokens = ex->usage.input + ex->usage.cache_creation;
              r.output_tokens = ex->usage.output;
            }
            auto h = response_rate_headers(*ex);
            r.retry_after = h.retry_after;
            l.unlock();
            permits->release(permit, r, h);
            l.lock();
          }
          if (self->on_request)
            self->on_request(
                {story, action, rest, ex->status,
                 static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()),
                 ex->usage});
        });
  }
};

gateway::gateway(gateway_options opts, log_fn on_request) : impl_(std::make_unique<impl>()) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->opts = std::move(opts);
  impl_->book->prices = impl_->opts.prices;
  while (!impl_->opts.upstream.empty() && impl_->opts.upstream.back() == '/')
    impl_->opts.upstream.pop_back();
  impl_->on_request = std::move(on_request);
  // Threads grow with the connections: clients that hold theirs never leave
  // an agent waiting for one (connection_guard.hpp).
  impl_->server.new_task_queue = [] { return make_growing_pool(1024); };
  impl_->server.set_payload_max_length(max_request_body);
  impl_->server.set_read_timeout(std::chrono::seconds(5));
  // Judged on the headers, before any body is read.
  impl_->server.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        return impl_->screen(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                       : httplib::Server::HandlerResponse::Handled;
      });
  impl_->server.Post(
      R"(/s/([A-Za-z0-9._-]+)/([A-Za-z_]+)(/v1/messages(?:/count_tokens)?))",
      [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw failure("the API gateway cannot bind a loopback port");
  impl_->guard = std::make_unique<connection_guard>(static_cast<uint16_t>(impl_->port),
                                                    impl_->opts.auth_deadline);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

gateway::~gateway() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->guard.reset();
}

int gateway::port() const {
  return impl_->port;
}
std::string gateway::base_url() const {
  return fmt::format("http://127.0.0.1:{}", impl_->port);
}

api_usage gateway::usage(const std::string& story, const std::string& action) const {
  std::lock_guard<std::mutex> lock(impl_->book->mu);
  auto it = impl_->book->usage.find({story, action});
  return it == impl_->book->usage.end() ? api_usage{} : it->second;
}

api_usage gateway::total_usage() const {
  std::lock_guard<std::mutex> lock(impl_->book->mu);
  api_usage t;
  for (const auto& [_, u] : impl_->book->usage)
    t.add(u);
  return t;
}

void gateway::set_permits(gateway_permits p) {
  // Counted on the way through (permits_held).
  auto held = impl_->held;
  gateway_permits counted;
  if (p.acquire)
    counted.acquire = [held, acquire = std::move(p.acquire)](const permit_request& r) {
      bool granted = acquire(r);
      if (granted) ++*held;
      return granted;
    };
  if (p.release)
    counted.release = [held, release = std::move(p.release)](uint64_t id, const permit_result& r,
                                                             const rate_headers& h) {
      --*held;
      release(id, r, h);
    };
  std::lock_guard<std::mutex> lock(impl_->permits_mu);
  impl_->permits_ = std::make_shared<const gateway_permits>(std::move(counted));
}

long gateway::permits_held() const {
  return impl_->held->load();
}

int64_t gateway::parked_until_ms() const {
  return impl_->parked_until.load();
}
long gateway::retried() const {
  return impl_->retried_count.load();
}
long gateway::refused() const {
  return impl_->guard->refused();
}

std::string gateway::resolve_upstream(const std::optional<std::string>& configured) {
  if (configured && !configured->empty()) return *configured;
  if (const char* env = std::getenv("ANTHROPIC_BASE_URL"); env && *env) return env;
  return "https://api.anthropic.com";
}

std::string gateway::random_token() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

} // namespace sdlc
