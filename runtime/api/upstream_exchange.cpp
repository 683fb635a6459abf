#include "runtime/api/upstream_exchange.hpp"

#include "runtime/util/text.hpp"
#include "runtime/util/time.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <thread>

namespace sdlc {

namespace {

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<exchange*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  std::lock_guard<std::mutex> lock(ex->mu);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->headers.clear(); // a new response (e.g. after 100-continue)
    auto sp = line.find(' ');
    ex->status = sp == std::string::npos ? 0 : std::atoi(line.c_str() + sp + 1);
  } else if (line.empty()) {
    if (ex->status >= 200) {
      ex->headers_done = true;
      ex->cv.notify_all();
    }
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    auto name = ascii_lower(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "content-type" && value.find("text/event-stream") != std::string::npos)
      ex->is_sse = true;
    ex->headers.emplace_back(name, value);
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<exchange*>(user);
  std::lock_guard<std::mutex> lock(ex->mu);
  if (ex->client_gone) return 0; // aborts the transfer
  std::string_view bytes(data, size * n);
  if (ex->is_sse)
    ex->parser.feed(bytes);
  else if (ex->body_for_usage.size() < (4u << 20))
    ex->body_for_usage.append(bytes);
  ex->chunks.emplace_back(bytes);
  ex->headers_done = true;
  ex->cv.notify_all();
  return size * n;
}

} // namespace

// How long a rejected exchange asks us to wait when that is long enough to
// park: retry-after beyond the threshold, or the usage limit's reset.
std::optional<std::chrono::milliseconds> exchange_park_time(const exchange& ex,
                                                            std::chrono::milliseconds threshold) {
  std::map<std::string, std::string> h;
  for (const auto& [k, v] : ex.headers)
    h[k] = v;
  auto wait = parse_rate_headers(h).retry_after;
  auto unified = h.find("anthropic-ratelimit-unified-status");
  auto reset = h.find("anthropic-ratelimit-unified-reset");
  if (unified != h.end() && unified->second == "rejected" && reset != h.end()) {
    auto at = std::atoll(reset->second.c_str()) * 1000 - time::now_ms();
    if (at > 0)
      wait = std::max(wait.value_or(std::chrono::milliseconds(0)), std::chrono::milliseconds(at));
    if (wait) return wait; // a usage-limit rejection parks whatever its length
  }
  if (wait && *wait > threshold) return wait;
  return std::nullopt;
}

rate_headers response_rate_headers(const exchange& ex) {
  std::map<std::string, std::string> h;
  for (const auto& [k, v] : ex.headers)
    h[k] = v;
  return parse_rate_headers(h);
}

// Starts one upstream transfer on its own thread; the caller waits on the
// exchange for headers and chunks.
std::shared_ptr<exchange> start_exchange(const std::string& url, std::shared_ptr<std::string> body,
                                         const std::vector<std::string>& headers,
                                         std::shared_ptr<usage_book> book, const std::string& story,
                                         const std::string& action) {
  auto ex = std::make_shared<exchange>();
  std::thread([ex, body, url, headers, book, story, action] {
    CURL* curl = curl_easy_init();
    curl_slist* list = nullptr;
    for (const auto& h : headers)
      list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, ex.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, ex.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    // Abort a stalled stream: under 1 byte/s for 10 minutes.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 600L);
    auto rc = curl_easy_perform(curl);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    std::lock_guard<std::mutex> lock(ex->mu);
    if (rc != CURLE_OK && !ex->client_gone) ex->curl_error = curl_easy_strerror(rc);
    if (ex->is_sse)
      ex->parser.finish();
    else
      ex->usage.add_from_message_json(ex->body_for_usage);
    ex->usage.calls = 1;
    if (book->prices) ex->usage.cost_usd = book->prices->cost(ex->usage.model, ex->usage);
    book->record(story, action, ex->usage);
    ex->finished = true;
    ex->headers_done = true;
    ex->cv.notify_all();
  }).detach();
  return ex;
}

} // namespace sdlc
