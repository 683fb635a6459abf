// runtime/report/run_report on a scripted journal with known times: waits by
// cause, running time, reworks, the critical path and the lower bound.
#include "runtime/report/run_history.hpp"
#include "runtime/report/report_html.hpp"
#include "runtime/report/run_report.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;
using nlohmann::json;

namespace {

json at(int64_t seconds, json line) {
  line["at_ms"] = seconds * 1000;
  return line;
}

// One slot; A (0–10 s) then B (depends on A) — but C takes the slot at 10 s,
// so B waits for its dependency, then for the slot, reworks and fails.
std::vector<json> scripted() {
  return {
      at(0, {{"event", "run_started"},
             {"run", "r1"},
             {"concurrency", 1},
             {"stories",
              {{{"id", "A"}, {"title", "a"}, {"depends_on", json::array()}},
               {{"id", "B"}, {"title", "b"}, {"depends_on", {"A"}}},
               {{"id", "C"}, {"title", "c"}, {"depends_on", json::array()}}}}}),
      at(0, {{"event", "waiting"}, {"story", "C"}, {"cause", "slot"}}),
      at(0, {{"event", "waiting"}, {"story", "B"}, {"cause", "dependency"}, {"on", {"A"}}}),
      at(0, {{"event", "story_started"}, {"story", "A"}}),
      at(0, {{"event", "action_started"}, {"story", "A"}, {"action", "research"}}),
      at(4, {{"event", "action_finished"}, {"story", "A"}, {"action", "research"}}),
      at(4, {{"event", "action_started"}, {"story", "A"}, {"action", "implement"}}),
      at(10, {{"event", "action_finished"}, {"story", "A"}, {"action", "implement"}}),
      at(10, {{"event", "story_finished"}, {"story", "A"}, {"result", "done"}}),
      at(10, {{"event", "waiting"}, {"story", "B"}, {"cause", "slot"}}),
      at(10, {{"event", "story_started"}, {"story", "C"}}),
      at(10, {{"event", "action_started"}, {"story", "C"}, {"action", "implement"}}),
      at(12, {{"event", "api_limit"}, {"rejections", 3}, {"paused_until_ms", 14000}}),
      at(15, {{"event", "usage"},
              {"story", "C"},
              {"action", "implement"},
              {"cost_usd", 0.5},
              {"input_tokens", 100},
              {"output_tokens", 20}}),
      at(15, {{"event", "action_finished"}, {"story", "C"}, {"action", "implement"}}),
      at(15, {{"event", "story_finished"}, {"story", "C"}, {"result", "done"}}),
      at(15, {{"event", "story_started"}, {"story", "B"}}),
      at(15, {{"event", "action_started"}, {"story", "B"}, {"action", "rework"}}),
      at(20, {{"event", "action_finished"}, {"story", "B"}, {"action", "rework"}}),
      at(20, {{"event", "action_started"}, {"story", "B"}, {"action", "implement"}}),
      at(25, {{"event", "action_failed"}, {"story", "B"}, {"action", "implement"}}),
      at(25, {{"event", "story_finished"}, {"story", "B"}, {"result", "failed"}}),
      at(26, {{"event", "run_finished"}, {"summary", "..."}}),
  };
}

} // namespace

BOOST_AUTO_TEST_CASE(waits_by_cause_critical_path_and_lower_bound) {
  auto r = analyze_run("r1", scripted());
  BOOST_TEST(r.finished);
  BOOST_TEST(r.makespan_ms == 26000);
  BOOST_REQUIRE_EQUAL(r.stories.size(), 3u);
  const auto& a = r.stories[0];
  const auto& b = r.stories[1];
  const auto& c = r.stories[2];
  BOOST_TEST(a.running_ms() == 10000);
  BOOST_TEST(a.waited_ms.empty());
  BOOST_TEST(b.waited_ms.at("dependency") == 10000);
  BOOST_TEST(b.waited_ms.at("slot") == 5000);
  BOOST_TEST(c.waited_ms.at("slot") == 10000);
  BOOST_TEST(b.running_ms() == 10000);
  BOOST_TEST(b.reworks == 1);
  BOOST_TEST(b.result == "failed");
  BOOST_TEST(!b.actions.back().ok);
  BOOST_TEST(c.cost_usd == 0.5);
  BOOST_TEST(c.cost_by_action.at("implement") == 0.5);
  BOOST_TEST(r.cost_usd == 0.5);
  // Durations A 10 s, B 10 s, C 5 s: the chain A → B is 20 s; one slot makes
  // the bound Σ work = 25 s.
  BOOST_TEST(r.critical_path == (std::vector<std::string>{"A", "B"}));
  BOOST_TEST(r.critical_path_ms == 20000);
  BOOST_TEST(r.lower_bound_ms == 25000);
  BOOST_TEST(r.rejections == 3);
  BOOST_TEST(r.paused_ms == 2000);
  auto text = report_text(r);
  BOOST_TEST(text.find("critical path A → B") != std::string::npos, text);
  auto j = report_json(r);
  BOOST_TEST(j["stories"][1]["waited_ms"]["dependency"] == 10000);
}

// A killed run: its open wait and its unfinished action end at its last line.
BOOST_AUTO_TEST_CASE(a_killed_run_ends_at_its_last_line) {
  auto lines = scripted();
  lines.resize(13); // up to the api_limit line at 12 s
  auto r = analyze_run("r1", lines);
  BOOST_TEST(!r.finished);
  BOOST_TEST(r.makespan_ms == 12000);
  BOOST_TEST(r.stories[1].waited_ms.at("slot") == 2000); // 10 → 12 s
  BOOST_TEST(!r.stories[2].actions.back().ended);        // C still implementing
  BOOST_TEST(r.stories[2].result.empty());
  auto summary = summarize_run("r1", lines);
  BOOST_TEST(!summary.finished);
  BOOST_TEST(summary.done == 1);
  BOOST_TEST(summary.stories == 3);
}

// A run whose guard ended its journal: it died, and says what was stopped.
BOOST_AUTO_TEST_CASE(a_run_its_guard_ended_died_and_names_what_was_stopped) {
  auto lines = scripted();
  lines.resize(13);
  lines.push_back(at(13, {{"event", "run_died"},
                          {"pid", 4242},
                          {"stopped", {{{"story", "C"}, {"what", "agent"}, {"pgid", 4250}}}}}));
  auto r = analyze_run("r1", lines);
  BOOST_TEST(!r.finished);
  BOOST_TEST(r.died);
  BOOST_TEST(r.makespan_ms == 13000); // to the guard's line: when the run was seen gone
  const auto text = report_text(r);
  BOOST_TEST(text.find("died (killed or crashed; its guard stopped C's agent)") !=
                 std::string::npos,
             text);
  BOOST_TEST(report_json(r)["stopped"] == json::array({"C's agent"}));
  const auto page = report_html(r, std::nullopt);
  BOOST_TEST(page.find("died (killed or crashed; its guard stopped C's agent)") !=
             std::string::npos);
  auto summary = summarize_run("r1", lines);
  BOOST_TEST(summary.died);
  BOOST_TEST(summary.stopped == 1);
  const auto listed = runs_text({summary});
  BOOST_TEST(listed.find("died (its guard stopped 1 process group)") != std::string::npos, listed);
  BOOST_TEST(runs_json({summary})[0]["died"] == true);
  // Without that line, the same journal cannot tell a kill from a live run.
  BOOST_TEST(report_text(analyze_run("r1", scripted())).find("finished") != std::string::npos);
  lines.pop_back();
  BOOST_TEST(
      report_text(analyze_run("r1", lines)).find("stopped early (killed, or still running)") !=
      std::string::npos);
}

// The HTML page's pieces, from the scripted run: where each bar goes is the
// time it took; waits are spans; the failure, rework and critical path marked.
BOOST_AUTO_TEST_CASE(the_html_page_draws_each_span_where_the_journal_puts_it) {
  auto r = analyze_run("r1", scripted());
  const auto& b = r.stories[1];
  BOOST_REQUIRE_EQUAL(b.waits.size(), 2u);
  BOOST_TEST(b.waits[0].cause == "dependency");
  BOOST_TEST(b.waits[0].start_ms == 0);
  BOOST_TEST(b.waits[0].end_ms == 10000);
  BOOST_TEST(b.waits[1].cause == "slot");
  BOOST_TEST(b.waits[1].end_ms == 15000);
  BOOST_REQUIRE_EQUAL(r.api.size(), 1u);
  BOOST_TEST(r.api[0].rejections == 3);

  r.stories[0].title = "a <b> & \"c\"";
  auto html = report_html(r, std::nullopt);
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = html.find(what); at != std::string::npos; at = html.find(what, at + 1))
      ++n;
    return n;
  };
  BOOST_TEST(count("<g class=\"row") == 3u);
  BOOST_TEST(count("class=\"row critical\"") == 2u); // A → B
  BOOST_TEST(count("class=\"action a-implement failed\"") == 1u);
  BOOST_TEST(count("class=\"action a-rework\"") == 1u);
  BOOST_TEST(count("class=\"wait w-dependency\"") == 1u);
  BOOST_TEST(html.find("a &lt;b&gt; &amp; &quot;c&quot;") != std::string::npos);
  BOOST_TEST(html.find("a <b> &") == std::string::npos);
  BOOST_TEST(html.find("Install Graphviz") != std::string::npos);
  // The run is 26 s on a 960 px axis from x=280: A's implement (4–10 s)
  // starts at 280 + 960·4/26.
  BOOST_TEST(html.find("x=\"427.7\"") != std::string::npos);
  // With dot's drawing, it is inlined without its XML prologue.
  html =
      report_html(r, std::string("<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg id=\"g\"></svg>"));
  BOOST_TEST(html.find("<div class=\"graph\"><svg id=\"g\"></svg>") != std::string::npos);
  BOOST_TEST(html.find("<?xml") == std::string::npos);
  // The graph's colours are the results.
  const auto dot = run_graph_dot(r);
  BOOST_TEST(dot.find("\"A\" -> \"B\";") != std::string::npos, dot);
  BOOST_TEST(dot.find("\\nfailed\", fillcolor=\"#ff9b9b\"") != std::string::npos, dot);
}
