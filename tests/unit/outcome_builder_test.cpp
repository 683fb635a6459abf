// runtime/agent/outcome_builder on recorded Claude Code output
// (tests/fixtures/claude-*.jsonl): what the outcome says, what is shown.
#include "runtime/agent/outcome_builder.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace sdlc;

namespace {

struct fed {
  outcome_builder b;
  std::vector<agent_notice> notices;
};

fed feed(const std::string& fixture) {
  fed f;
  std::istringstream in(test::read(std::string(SDLC_SOURCE_DIR) + "/tests/fixtures/" + fixture));
  for (std::string line; std::getline(in, line);)
    for (const auto& e : parse_stream_line(line))
      if (auto n = f.b.apply(e)) f.notices.push_back(*n);
  return f;
}

bool shown(const fed& f, event_kind k, const std::string& text_start) {
  for (const auto& n : f.notices)
    if (n.kind == k && n.text.rfind(text_start, 0) == 0) return true;
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(outcome_builder_suite)

BOOST_AUTO_TEST_CASE(an_implement_run_from_its_recorded_stream) {
  auto f = feed("claude-implement.jsonl");
  const auto& o = f.b.finish(0, 0, 1234);
  BOOST_TEST(o.saw_result);
  BOOST_TEST(!o.is_error);
  BOOST_TEST(o.session_id == "11111111-2222-3333-4444-555555555555");
  BOOST_TEST(o.num_turns == 2);
  BOOST_TEST(o.tool_uses == 1);
  BOOST_TEST(o.duration_ms == 1234);
  BOOST_TEST(o.input_tokens > 0);
  BOOST_TEST(o.output_tokens > 0);
  BOOST_TEST(shown(f, event_kind::agent_init, "model "));
  BOOST_TEST(shown(f, event_kind::tool_use, "Write /tmp/cc/work/src/hello.txt"));
  BOOST_TEST(shown(f, event_kind::agent_text, "Implemented."));
  BOOST_TEST(shown(f, event_kind::agent_result, "ok turns=2"));
}

BOOST_AUTO_TEST_CASE(a_review_run_keeps_its_answer) {
  auto f = feed("claude-review.jsonl");
  const auto& o = f.b.finish(0, 0, 10);
  BOOST_TEST(o.saw_result);
  BOOST_TEST(o.result_text.find("\"passed\"") != std::string::npos, o.result_text);
}

BOOST_AUTO_TEST_CASE(a_command_agent_is_judged_on_what_it_printed) {
  outcome_builder b;
  for (auto line :
       {"plain text", "{\"type\":\"progress\",\"percent\":40,\"message\":\"half\"}", "more"})
    for (const auto& e : parse_stream_line(line))
      if (auto n = b.apply(e); n && n->percent) {
        BOOST_TEST(*n->percent == 40);
        BOOST_TEST(n->text == "half");
      }
  const auto& o = b.finish(0, 0, 1);
  BOOST_TEST(!o.saw_result);
  BOOST_TEST(o.result_text == "plain text\nmore\n");
}

BOOST_AUTO_TEST_CASE(a_usage_limit_rejection_is_remembered) {
  outcome_builder b;
  for (
      const auto& e : parse_stream_line(
          R"({"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1900000000}})"))
    b.apply(e);
  BOOST_TEST(b.outcome().limit_resets_at_ms == 1900000000000LL);
}

BOOST_AUTO_TEST_SUITE_END()
