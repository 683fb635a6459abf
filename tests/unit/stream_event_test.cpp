#define BOOST_TEST_MODULE stream_event
// The stream-json parser on output recorded from the real Claude Code CLI
// (tests/fixtures, recorded against stub-api) plus malformed lines.
#include "runtime/agent/stream_event.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace sdlc;
using k = agent_event::kind;

namespace {
std::vector<agent_event> parse_file(const std::string& name) {
  std::istringstream in(test::read(std::string(SDLC_SOURCE_DIR) + "/tests/fixtures/" + name));
  std::vector<agent_event> out;
  std::string line;
  while (std::getline(in, line))
    for (auto& e : parse_stream_line(line))
      out.push_back(std::move(e));
  return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(recorded_implement_run) {
  auto events = parse_file("claude-implement.jsonl");
  BOOST_REQUIRE(events.size() >= 4u);
  BOOST_TEST(to_string(events.front().type) == "init");
  BOOST_TEST(events.front().session_id == "11111111-2222-3333-4444-555555555555");
  BOOST_TEST(events.front().cwd == "/tmp/cc/work");
  int tool_uses = 0, tool_results = 0;
  for (const auto& e : events) {
    if (e.type == k::tool_use) {
      ++tool_uses;
      BOOST_TEST(e.tool_name == "Write");
      BOOST_TEST(e.tool_target == "/tmp/cc/work/src/hello.txt");
    }
    tool_results += e.type == k::tool_result;
  }
  BOOST_TEST(tool_uses == 1);
  BOOST_TEST(tool_results == 1);
  const auto& r = events.back();
  BOOST_TEST(to_string(r.type) == "result");
  BOOST_TEST(!r.is_error);
  BOOST_TEST(r.num_turns == 2);
  BOOST_TEST(r.text == "Implemented.");
  BOOST_TEST(r.cost_usd > 0);
  BOOST_TEST(r.usage.input > 0);
  BOOST_TEST(!r.api_error_status.has_value());
}

BOOST_AUTO_TEST_CASE(recorded_review_run_carries_the_decision_text) {
  auto events = parse_file("claude-review.jsonl");
  BOOST_TEST(to_string(events.back().type) == "result");
  BOOST_TEST(events.back().text.find("\"passed\": false") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(other_event_types) {
  auto retry = parse_stream_line(
      R"({"type":"system","subtype":"api_retry","retry_delay_ms":1200,"error_status":429})");
  BOOST_REQUIRE(retry.size() == 1u);
  BOOST_TEST(to_string(retry[0].type) == "api_retry");
  BOOST_TEST(retry[0].retry_delay_ms == 1200);
  BOOST_TEST(retry[0].error_status == 429);
  auto err = parse_stream_line(
      R"({"type":"result","subtype":"success","is_error":true,"api_error_status":529,"num_turns":1})");
  BOOST_TEST(err[0].is_error);
  BOOST_TEST(*err[0].api_error_status == 529);
  auto limit = parse_stream_line(
      R"({"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1800000000}})");
  BOOST_TEST(to_string(limit[0].type) == "rate_limit");
  BOOST_TEST(limit[0].limit_status == "rejected");
  BOOST_TEST(limit[0].resets_at == 1800000000);
  auto progress = parse_stream_line(R"({"type":"progress","percent":40,"message":"halfway"})");
  BOOST_TEST(progress[0].percent == 40);
  BOOST_TEST(progress[0].text == "halfway");
  auto bash = parse_stream_line(
      R"({"type":"assistant","message":{"content":[{"type":"text","text":"running"},)"
      R"({"type":"tool_use","name":"Bash","input":{"command":"make test"}}]}})");
  BOOST_REQUIRE(bash.size() == 2u);
  BOOST_TEST(bash[1].tool_target == "make test");
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_not_fatal) {
  auto plain = parse_stream_line("npm WARN something");
  BOOST_REQUIRE(plain.size() == 1u);
  BOOST_TEST(to_string(plain[0].type) == "not_json");
  BOOST_TEST(plain[0].text == "npm WARN something");
  BOOST_TEST(to_string(parse_stream_line("{\"type\":\"result\"")[0].type) == "not_json");
  BOOST_TEST(to_string(parse_stream_line("[1,2]")[0].type) == "not_json");
  BOOST_TEST(to_string(parse_stream_line(R"({"type":"brand_new","x":1})")[0].type) == "unknown");
  auto verdict = parse_stream_line(R"({"passed": true})");
  BOOST_TEST(to_string(verdict[0].type) == "not_json"); // output text, not an event
  BOOST_TEST(verdict[0].text == R"({"passed": true})");
  BOOST_TEST(parse_stream_line("   ").empty());
  BOOST_TEST(parse_stream_line(R"({"type":"assistant","message":"odd"})").empty());
  auto odd = parse_stream_line(R"({"type":"result","num_turns":"two","usage":[]})");
  BOOST_TEST(odd[0].num_turns == 0);
}
