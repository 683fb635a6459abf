// runtime/console/dashboard_model fed typed events: states, progress, the
// lines a plain (non-terminal) run prints, the summary, and escapes.
#include "runtime/console/dashboard.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace sdlc;

namespace {
story_event ev(const std::string& id, event_kind k, action_type a, const std::string& text,
               int64_t at = 1000) {
  return {id, k, a, text, at};
}
} // namespace

BOOST_AUTO_TEST_SUITE(dashboard_model_suite)

BOOST_AUTO_TEST_CASE(a_story_goes_from_queued_to_done) {
  dashboard_model m(2, 0);
  m.add_story("S-0001", "Login", 4);
  BOOST_TEST(m.count("queued") == 1);
  auto started = m.apply(ev("S-0001", event_kind::story_started, action_type::none, "log"));
  BOOST_REQUIRE(started.has_value());
  BOOST_TEST(started->find("S-0001 started") != std::string::npos, *started);
  BOOST_TEST(m.count("running") == 1);
  m.apply(ev("S-0001", event_kind::action_started, action_type::plan, "/wt"));
  BOOST_TEST(m.stories()[0].action == "plan");
  auto tool = m.apply(ev("S-0001", event_kind::tool_use, action_type::plan, "Write a.md"));
  BOOST_REQUIRE(tool.has_value());
  BOOST_TEST(tool->find("plan Write a.md") != std::string::npos);
  BOOST_TEST(!m.apply(ev("S-0001", event_kind::agent_text, action_type::plan, "thinking")));
  BOOST_TEST(m.stories()[0].events_in_action == 2);
  m.apply(ev("S-0001", event_kind::action_finished, action_type::plan, "2 turns"));
  BOOST_TEST(m.stories()[0].actions_done == 1);
  m.apply(usage_report{"S-0001", action_type::plan, 100, 20, 0.5, 1000});
  m.apply(usage_report{"S-0001", action_type::implement, 50, 10, 0.25, 1100});
  BOOST_TEST(m.stories()[0].tokens_in == 150);
  BOOST_TEST(m.stories()[0].cost_usd == 0.75);
  auto end = m.apply(story_finished{"S-0001", story_result::done, "", 61000});
  BOOST_REQUIRE(end.has_value());
  BOOST_TEST(m.count("done") == 1);
  BOOST_TEST(m.percent(m.stories()[0]) == 100);
  auto table = m.summary(false);
  BOOST_TEST(table.find("S-0001") != std::string::npos);
  BOOST_TEST(table.find("done") != std::string::npos);
  BOOST_TEST(table.find("1:00") != std::string::npos, table); // 1000 -> 61000 ms
  BOOST_TEST(table.find("$0.7500") != std::string::npos, table);
}

BOOST_AUTO_TEST_CASE(progress_waiting_limits_and_levels) {
  dashboard_model m(3, 0);
  m.add_story("S-0002", "Search", 5);
  m.apply(story_waiting{"S-0002", wait_cause::dependency, {"S-0001"}, "waits for S-0001", 5});
  BOOST_TEST(m.stories()[0].detail == "waits for S-0001");
  m.apply(ev("S-0002", event_kind::story_started, action_type::none, ""));
  m.apply(ev("S-0002", event_kind::action_started, action_type::implement, ""));
  auto p = m.apply(agent_progress{"S-0002", action_type::implement, 60, "tests", 7});
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->find("implement progress 60% tests") != std::string::npos, *p);
  BOOST_TEST(m.stories()[0].agent_percent == 60);
  m.apply(limiter_stats{2, 4, 1, 3, 10000}, 5000);
  auto screen = m.render(120, 5000, false);
  BOOST_TEST(screen.find("API in flight 2/4 · queued 1 · 429s 3 · paused 6 s") != std::string::npos,
             screen);
  auto level = m.apply(concurrency_level{1, 9});
  BOOST_REQUIRE(level.has_value());
  BOOST_TEST(level->find("1 stories at a time (was 3)") != std::string::npos, *level);
  BOOST_TEST(m.level() == 1);
}

BOOST_AUTO_TEST_CASE(text_from_stories_and_agents_is_shown_escaped) {
  dashboard_model m(1, 0);
  m.add_story("S-0003", "evil\x1b[2J", 5);
  m.apply(ev("S-0003", event_kind::story_started, action_type::none, ""));
  auto line = m.apply(ev("S-0003", event_kind::tool_use, action_type::plan, "Bash \x1b]0;x\x07"));
  BOOST_REQUIRE(line.has_value());
  BOOST_TEST(line->find('\x1b') == std::string::npos);
  BOOST_TEST(m.render(100, 0, false).find('\x1b') == std::string::npos);
  BOOST_TEST(m.summary(false).find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_story_is_added_when_it_reports) {
  dashboard_model m(1, 0);
  m.apply(story_finished{"S-0009", story_result::blocked, "dependency failed", 3});
  BOOST_REQUIRE(m.stories().size() == 1u);
  BOOST_TEST(m.stories()[0].state == "blocked");
  BOOST_TEST(m.stories()[0].detail == "dependency failed");
}

BOOST_AUTO_TEST_CASE(a_story_held_for_approval_shows_and_comes_back) {
  dashboard_model m(2, 0);
  m.add_story("S-0003", "Gate", 5);
  m.apply(ev("S-0003", event_kind::story_started, action_type::none, ""));
  m.apply(story_finished{"S-0003", story_result::awaiting_approval, "plan ready", 2000});
  m.apply(story_waiting{"S-0003", wait_cause::approval, {}, "awaiting approval: approve", 2000});
  BOOST_TEST(m.count("awaiting-approval") == 1);
  auto screen = m.render(100, 3000, false);
  BOOST_TEST(screen.find("approval?") != std::string::npos, screen);
  BOOST_TEST(screen.find("awaiting approval 1") != std::string::npos, screen);
  BOOST_TEST(m.summary(false).find("awaiting-approval") != std::string::npos);
  m.apply(story_waiting{"S-0003", wait_cause::slot, {}, "waiting for a free slot", 2500});
  BOOST_TEST(m.count("queued") == 1); // approved, waiting for a slot
}

// A frame taller than the terminal cannot be redrawn in place (the cursor
// cannot go up past the top): on a 10,000-story board the dashboard keeps to
// the terminal's height, shows what matters now and counts the rest.
BOOST_AUTO_TEST_CASE(a_big_board_fits_the_terminal_and_shows_what_matters) {
  dashboard_model m(3, 0);
  for (int i = 0; i < 10000; ++i)
    m.add_story(fmt::format("S-{:05}", i), fmt::format("Story {}", i), 4);
  for (int i : {9000, 42, 7000})
    m.apply(ev(fmt::format("S-{:05}", i), event_kind::story_started, action_type::none, ""));
  m.apply(story_finished{"S-05000", story_result::failed, "boom", 2000});
  m.apply(ev("S-00001", event_kind::story_started, action_type::none, ""));
  m.apply(story_finished{"S-00001", story_result::done, "", 3000});
  const int height = 24;
  auto screen = m.render(100, 5000, false, height);
  auto lines = static_cast<int>(std::count(screen.begin(), screen.end(), '\n'));
  BOOST_TEST(lines <= height - 1, screen); // the cursor's line stays on screen
  for (const char* id : {"S-00042", "S-07000", "S-09000", "S-05000", "S-00001", "S-00000"})
    BOOST_TEST(screen.find(id) != std::string::npos, id << " shown:\n" << screen);
  // Board order among those shown: the running S-00042 before S-07000.
  BOOST_TEST(screen.find("S-00042") < screen.find("S-07000"));
  BOOST_TEST(screen.find("… 9981 more: 9981 queued") != std::string::npos, screen);
  // Unlimited (a test, or a terminal that does not say): every story.
  auto all = m.render(100, 5000, false);
  BOOST_TEST(std::count(all.begin(), all.end(), '\n') == 10000 + 3);
  // A small board is drawn whole, with no count line.
  dashboard_model small(2, 0);
  small.add_story("S-1", "One", 4);
  BOOST_TEST(small.render(100, 0, false, height).find("more:") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
