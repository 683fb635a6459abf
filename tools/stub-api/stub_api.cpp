// stub-api: a loopback stand-in for the Anthropic Messages API, so the real
// Claude Code CLI can do real work offline. Scripted per story and action by a
// YAML file (see tools/stub-api/README.md); can answer 429/529 and add latency.
// Counters at GET /_stub/stats; every request is logged as a JSON line.
#include "script.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>

using json = nlohmann::json;
using namespace std::chrono;

namespace {

struct stats_t {
  std::mutex mu;
  long requests = 0;
  long in_flight = 0;
  long max_in_flight = 0;
  std::map<int, long> by_status;
  std::map<std::string, long> first_turns;     // "story/action" -> scripted calls so far
  std::deque<steady_clock::time_point> window; // admitted requests, for rate limiting
  long served = 0;                             // answered 200
  long fail_left = 0;
  std::ofstream log;
};

stats_t stats;
httplib::Server* server = nullptr;

int64_t now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string sse(const json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", data["type"].get<std::string>(), data.dump());
}

// The working directory the CLI reports in its environment block.
std::string find_cwd(const std::string& body) {
  static const std::regex re(R"(Primary working directory: ([^\\\n"]+))");
  std::smatch m;
  return std::regex_search(body, m, re) ? m[1].str() : std::string();
}

bool last_user_has_tool_result(const json& req) {
  if (!req.contains("messages") || req["messages"].empty()) return false;
  const auto& last = req["messages"].back();
  if (!last.contains("content") || !last["content"].is_array()) return false;
  for (const auto& b : last["content"])
    if (b.value("type", "") == "tool_result") return true;
  return false;
}

struct reply {
  std::vector<json> blocks; // content blocks: text / tool_use
  std::string stop_reason = "end_turn";
};

// How many of our tool rounds the conversation has had: the highest round
// number in the ids of our tool_use blocks (toolu_stub_<call>_<round>_<n>)
// that the CLI sends back, plus one. Counting ids, not messages, survives the
// CLI merging or trimming messages.
long tool_rounds_done(const json& req) {
  long rounds = 0;
  if (!req.contains("messages")) return 0;
  for (const auto& m : req["messages"]) {
    if (m.value("role", "") != "assistant" || !m.contains("content") || !m["content"].is_array())
      continue;
    for (const auto& b : m["content"]) {
      if (b.value("type", "") != "tool_use") continue;
      auto id = b.value("id", "");
      long call = 0, round = 0, n = 0;
      if (std::sscanf(id.c_str(), "toolu_stub_%ld_%ld_%ld", &call, &round, &n) == 3)
        rounds = std::max(rounds, round + 1);
    }
  }
  return rounds;
}

// The scripted tool rounds of a step: all writes at once; rewrites and edits
// need the CLI to have read the file first, so a round of Reads precedes them.
std::vector<std::vector<json>> tool_rounds(const stub::step& s, const std::string& cwd) {
  auto abs = [&](const std::string& p) {
    return p.rfind('/', 0) == 0 || cwd.empty() ? p : cwd + "/" + p;
  };
  std::vector<std::vector<json>> rounds;
  if (!s.writes.empty()) {
    std::vector<json> r;
    for (const auto& w : s.writes)
      r.push_back(
          {{"name", "Write"}, {"input", {{"file_path", abs(w.path)}, {"content", w.content}}}});
    rounds.push_back(r);
  }
  if (!s.rewrites.empty()) {
    std::vector<json> reads, writes;
    for (const auto& w : s.rewrites) {
      reads.push_back({{"name", "Read"}, {"input", {{"file_path", abs(w.path)}}}});
      writes.push_back(
          {{"name", "Write"}, {"input", {{"file_path", abs(w.path)}, {"content", w.content}}}});
    }
    rounds.push_back(reads);
    rounds.push_back(writes);
  }
  if (!s.edits.empty()) {
    std::vector<json> reads, edits;
    for (const auto& e : s.edits) {
      reads.push_back({{"name", "Read"}, {"input", {{"file_path", abs(e.path)}}}});
      edits.push_back(
          {{"name", "Edit"},
           {"input",
            {{"file_path", abs(e.path)}, {"old_string", e.old_text}, {"new_string", e.new_text}}}});
    }
    rounds.push_back(reads);
    rounds.push_back(edits);
  }
  return rounds;
}

reply plan_reply(const stub::step& s, const std::string& cwd, const json& req, long call_no) {
  reply r;
  auto rounds = tool_rounds(s, cwd);
  auto done = static_cast<std::size_t>(tool_rounds_done(req));
  if (done < rounds.size()) {
    int n = 0;
    for (auto tool : rounds[done]) {
      tool["type"] = "tool_use";
      tool["id"] = fmt::format("toolu_stub_{}_{}_{}", call_no, done, n++);
      r.blocks.push_back(tool);
    }
    r.stop_reason = "tool_use";
    return r;
  }
  r.blocks.push_back({{"type", "text"}, {"text", s.text_for(call_no)}});
  return r;
}

// `before_last`: called once just before the last event goes out, so the
// in-flight count drops before any client can see the response end (counting
// at the response's destruction let the next permitted request overlap it).
void write_sse(httplib::Response& res, const reply& r, const std::string& model, long input_tokens,
               milliseconds delay, long call_no, std::function<void()> before_last) {
  std::string out;
  json start = {{"type", "message_start"},
                {"message",
                 {{"id", fmt::format("msg_stub_{}", call_no)},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", model},
                  {"content", json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr},
                  {"usage",
                   {{"input_tokens", input_tokens},
                    {"output_tokens", 1},
                    {"cache_creation_input_tokens", 0},
                    {"cache_read_input_tokens", 0}}}}}};
  std::vector<std::string> events{sse(start)};
  long out_tokens = 1;
  for (std::size_t i = 0; i < r.blocks.size(); ++i) {
    const auto& b = r.blocks[i];
    if (b["type"] == "text") {
      events.push_back(sse({{"type", "content_block_start"},
                            {"index", i},
                            {"content_block", {{"type", "text"}, {"text", ""}}}}));
      events.push_back(sse({{"type", "content_block_delta"},
                            {"index", i},
                            {"delta", {{"type", "text_delta"}, {"text", b["text"]}}}}));
      out_tokens += static_cast<long>(b["text"].get<std::string>().size() / 4 + 1);
    } else {
      events.push_back(sse({{"type", "content_block_start"},
                            {"index", i},
                            {"content_block",
                             {{"type", "tool_use"},
                              {"id", b["id"]},
                              {"name", b["name"]},
                              {"input", json::object()}}}}));
      events.push_back(
          sse({{"type", "content_block_delta"},
               {"index", i},
               {"delta", {{"type", "input_json_delta"}, {"partial_json", b["input"].dump()}}}}));
      out_tokens += static_cast<long>(b["input"].dump().size() / 4 + 1);
    }
    events.push_back(sse({{"type", "content_block_stop"}, {"index", i}}));
  }
  events.push_back(sse({{"type", "message_delta"},
                        {"delta", {{"stop_reason", r.stop_reason}, {"stop_sequence", nullptr}}},
                        {"usage", {{"output_tokens", out_tokens}}}}));
  events.push_back(sse({{"type", "message_stop"}}));
  auto shared = std::make_shared<std::vector<std::string>>(std::move(events));
  auto idx = std::make_shared<std::size_t>(0);
  res.set_chunked_content_provider(
      "text/event-stream", [shared, idx, delay, before_last](std::size_t, httplib::DataSink& sink) {
        // Latency is spread over the stream: half before the first
        // event, half at the end.
        if (*idx == 0 && delay.count() > 0) std::this_thread::sleep_for(delay / 2);
        if (*idx == shared->size() - 1 && delay.count() > 0) std::this_thread::sleep_for(delay / 2);
        if (*idx == shared->size() - 1 && before_last) before_last();
        if (*idx < shared->size()) {
          const auto& e = (*shared)[(*idx)++];
          return sink.write(e.data(), e.size());
        }
        sink.done();
        return true;
      });
}

json message_json(const reply& r, const std::string& model, long input_tokens, long call_no) {
  return {{"id", fmt::format("msg_stub_{}", call_no)},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", r.blocks},
          {"stop_reason", r.stop_reason},
          {"stop_sequence", nullptr},
          {"usage", {{"input_tokens", input_tokens}, {"output_tokens", 10}}}};
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"stub-api: loopback stand-in for the Anthropic Messages API"};
  std::string host = "127.0.0.1", script_file, port_file, log_file;
  int port = 0;
  app.add_option("--host", host, "Address to bind (default 127.0.0.1)");
  app.add_option("--port", port, "Port (0 = any free port)");
  app.add_option("--port-file", port_file, "Write the bound port here once listening");
  app.add_option("--script", script_file, "YAML script (see tools/stub-api/README.md)");
  app.add_option("--log", log_file, "Append one JSON line per request here");
  CLI11_PARSE(app, argc, argv);

  stub::script sc;
  try {
    if (!script_file.empty()) sc = stub::load_script(script_file);
  } catch (const std::exception& e) {
    std::cerr << "stub-api: " << e.what() << "\n";
    return 2;
  }
  stats.fail_left = sc.fail_count;
  if (!log_file.empty()) stats.log.open(log_file, std::ios::app);

  httplib::Server svr;
  server = &svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };

  svr.Get("/_stub/stats", [](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(stats.mu);
    json s = {{"requests", stats.requests},
              {"in_flight", stats.in_flight},
              {"max_in_flight", stats.max_in_flight}};
    for (const auto& [code, n] : stats.by_status)
      s["status"][std::to_string(code)] = n;
    for (const auto& [k, n] : stats.first_turns)
      s["scripted_calls"][k] = n;
    res.set_content(s.dump(), "application/json");
  });

  auto handle = [&sc](const httplib::Request& req, httplib::Response& res) {
    static const std::regex path_ids(R"(/s/([^/]+)/([^/]+)/)");
    std::string story = req.get_header_value("x-sdlc-story");
    std::string action = req.get_header_value("x-sdlc-action");
    std::smatch m;
    if ((story.empty() || action.empty()) && std::regex_search(req.path, m, path_ids)) {
      story = m[1].str();
      action = m[2].str();
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      res.status = 400;
      res.set_content(
          R"({"type":"error","error":{"type":"invalid_request_error","message":"bad json"}})",
          "application/json");
      return;
    }
    const bool counting = req.path.find("count_tokens") != std::string::npos;
    long in_flight_now = 0;
    int status = 200;
    long call_no = 0;
    long retry_after_ms = 0;
    {
      std::lock_guard<std::mutex> lock(stats.mu);
      ++stats.requests;
      auto now = steady_clock::now();
      if (sc.rate_requests > 0) {
        while (!stats.window.empty() &&
               now - stats.window.front() >= milliseconds(sc.rate_window_ms))
          stats.window.pop_front();
        if (static_cast<long>(stats.window.size()) >= sc.rate_requests) {
          status = 429;
          retry_after_ms =
              sc.rate_window_ms - duration_cast<milliseconds>(now - stats.window.front()).count();
        }
      }
      if (status == 200 && stats.fail_left > 0 && stats.served >= sc.fail_after) {
        --stats.fail_left;
        status = sc.fail_status;
        retry_after_ms = sc.fail_retry_after_ms;
      }
      if (status == 200) {
        ++stats.served;
        if (sc.rate_requests > 0) stats.window.push_back(now);
        in_flight_now = ++stats.in_flight;
        stats.max_in_flight = std::max(stats.max_in_flight, stats.in_flight);
        bool main_turn = body.contains("tools") && !last_user_has_tool_result(body) && !counting;
        if (main_turn)
          call_no = ++stats.first_turns[story + "/" + action];
        else
          call_no = std::max<long>(1, stats.first_turns[story + "/" + action]);
      }
      ++stats.by_status[status];
      if (stats.log.is_open()) {
        json seen = json::array();
        for (const auto& w : sc.watch_for)
          if (req.body.find(w) != std::string::npos) seen.push_back(w);
        // The stand-in is a test tool: it logs the headers it received (keys
        // included) so tests can check what the gateway passed through.
        stats.log << json{{"t_ms", now_ms()},
                          {"story", story},
                          {"action", action},
                          {"path", req.path},
                          {"status", status},
                          {"in_flight", in_flight_now},
                          {"anthropic_version", req.get_header_value("anthropic-version")},
                          {"anthropic_beta", req.get_header_value("anthropic-beta")},
                          {"x_api_key", req.get_header_value("x-api-key")},
                          {"x_sdlc_story", req.get_header_value("x-sdlc-story")},
                          {"x_sdlc_token", req.get_header_value("x-sdlc-token")},
                          {"seen", seen}}
                         .dump()
                  << std::endl;
      }
    }
    if (status != 200) {
      long secs = std::max<long>(1, (retry_after_ms + 999) / 1000);
      res.status = status;
      if (status == 429 || status == 529) res.set_header("retry-after", std::to_string(secs));
      if (status == 429 && sc.rate_requests > 0) {
        res.set_header("anthropic-ratelimit-requests-limit", std::to_string(sc.rate_requests));
        res.set_header("anthropic-ratelimit-requests-remaining", "0");
        res.set_header("anthropic-ratelimit-requests-reset", std::to_string(secs));
      }
      auto type = status == 429 ? "rate_limit_error" : "overloaded_error";
      res.set_content(
          json{{"type", "error"}, {"error", {{"type", type}, {"message", "stub says no"}}}}.dump(),
          "application/json");
      return;
    }
    struct release_t {
      bool done = false;
      void now() {
        std::lock_guard<std::mutex> lock(stats.mu);
        if (done) return;
        done = true;
        --stats.in_flight;
      }
      ~release_t() { now(); }
    };
    auto release = std::make_shared<release_t>();
    if (counting) {
      res.set_content(R"({"input_tokens": 42})", "application/json");
      return;
    }
    const auto& step = sc.step_for(story, action);
    auto cwd = find_cwd(req.body);
    auto r = body.contains("tools") ? plan_reply(step, cwd, body, call_no)
                                    : reply{{json{{"type", "text"}, {"text", "OK"}}}, "end_turn"};
    auto model = body.value("model", "claude-stub");
    long input_tokens = static_cast<long>(req.body.size() / 4);
    auto delay = milliseconds(step.latency_ms >= 0 ? step.latency_ms : sc.latency_ms);
    if (body.value("stream", false)) {
      write_sse(res, r, model, input_tokens, delay, call_no, [release] { release->now(); });
      // Keep the in-flight count until the stream has been written.
      res.set_header("x-stub-call", std::to_string(call_no));
      auto provider = res.content_provider_;
      res.content_provider_ = [provider, release](std::size_t off, std::size_t len,
                                                  httplib::DataSink& sink) {
        return provider(off, len, sink);
      };
    } else {
      std::this_thread::sleep_for(delay);
      res.set_content(message_json(r, model, input_tokens, call_no).dump(), "application/json");
    }
  };
  svr.Post(R"(.*/v1/messages.*)", handle);

  // Stop cleanly on SIGTERM/SIGINT: a thread waits for them (signal handlers
  // must not call into the server).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread([stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (server) server->stop();
  }).detach();
  int bound = port == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "stub-api: cannot bind " << host << ":" << port << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << bound << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::cout << "stub-api listening on " << host << ":" << bound << std::endl;
  svr.listen_after_bind();
  return 0;
}
