// Which run events become notifications, once each, and what a channel
// receives (runtime/notify/notification): pure, no actors, no sockets.
#include "runtime/notify/notification.hpp"
#include "runtime/notify/notify_channels.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

std::set<notification_kind> all() {
  const auto& v = all_notification_kinds();
  return {v.begin(), v.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(notification_picking)

BOOST_AUTO_TEST_CASE(a_blocked_story_is_told_once_with_the_first_reason) {
  notification_picker p("run-1", all());
  p.add_title("S-0002", "Beta");
  auto first = p.pick(story_event{"S-0002", event_kind::blocked, action_type::research,
                                  "research failed: exit code 3", 10});
  BOOST_REQUIRE(first);
  BOOST_TEST(first->kind == notification_kind::story_blocked);
  BOOST_TEST(first->story == "S-0002");
  BOOST_TEST(first->title == "Beta");
  BOOST_TEST(first->reason == "research: research failed: exit code 3");
  BOOST_TEST(first->run == "run-1");
  BOOST_TEST(first->at_ms == 10);
  // Its end says it again, in other words: no second notification.
  BOOST_TEST(!p.pick(story_finished{"S-0002", story_result::blocked, "blocked: see log", 11}));
  // A dependent blocked by it is a story of its own.
  auto dep = p.pick(story_finished{"S-0003", story_result::blocked, "S-0002 is blocked", 12});
  BOOST_REQUIRE(dep);
  BOOST_TEST(dep->story == "S-0003");
  BOOST_TEST(dep->title.empty()); // unknown title: the JSON says what happened instead
}

BOOST_AUTO_TEST_CASE(each_event_maps_to_its_kind_and_others_to_nothing) {
  notification_picker p("r", all());
  auto kind_of = [](const std::optional<notification>& n) {
    BOOST_REQUIRE(n);
    return n->kind;
  };
  BOOST_TEST(kind_of(p.pick(story_finished{"A", story_result::awaiting_approval, "plan", 1})) ==
             notification_kind::awaiting_approval);
  BOOST_TEST(kind_of(p.pick(story_finished{"B", story_result::failed, "board unreadable", 1})) ==
             notification_kind::story_failed);
  BOOST_TEST(kind_of(p.pick(story_event{"C", event_kind::parked, action_type::plan, "until", 1})) ==
             notification_kind::parked);
  BOOST_TEST(kind_of(p.pick(landing_event{"D", landing_kind::landed, "abc on main", 1})) ==
             notification_kind::story_landed);
  BOOST_TEST(kind_of(p.pick(landing_event{"E", landing_kind::pr_opened, "https://x/pull/1", 1})) ==
             notification_kind::pr_opened);
  BOOST_TEST(kind_of(p.pick(landing_event{"F", landing_kind::blocked, "test red", 1})) ==
             notification_kind::story_blocked);
  BOOST_TEST(kind_of(p.run_finished("3 stories: 3 done", 2)) == notification_kind::run_finished);
  // Not worth a person's attention:
  BOOST_TEST(!p.pick(story_finished{"G", story_result::done, "", 1}));
  BOOST_TEST(!p.pick(story_finished{"G", story_result::interrupted, "", 1}));
  BOOST_TEST(!p.pick(story_event{"G", event_kind::action_finished, action_type::plan, "", 1}));
  BOOST_TEST(!p.pick(landing_event{"G", landing_kind::sent_back, "conflict", 1}));
  BOOST_TEST(!p.pick(story_waiting{"G", wait_cause::dependency, {"A"}, "waits for A", 1}));
}

BOOST_AUTO_TEST_CASE(the_budget_is_told_once_per_run_and_approval_once_per_reason) {
  notification_picker p("r", all());
  BOOST_TEST(!!p.pick(story_waiting{"A", wait_cause::budget, {}, "not started: $5 spent", 1}));
  BOOST_TEST(!p.pick(story_waiting{"B", wait_cause::budget, {}, "not started: $5 spent", 2}));
  BOOST_TEST(!!p.pick(story_finished{"A", story_result::awaiting_approval, "plan ready", 1}));
  BOOST_TEST(!p.pick(story_finished{"A", story_result::awaiting_approval, "plan ready", 2}));
  // The PR gate later in the same run is a new question.
  BOOST_TEST(!!p.pick(story_finished{"A", story_result::awaiting_approval, "PR ready", 3}));
}

BOOST_AUTO_TEST_CASE(notification_events_selects_the_kinds_sent) {
  notification_picker p("r", {notification_kind::run_finished});
  BOOST_TEST(!p.pick(story_event{"A", event_kind::blocked, action_type::plan, "why", 1}));
  BOOST_TEST(!p.pick(story_finished{"A", story_result::awaiting_approval, "plan", 1}));
  BOOST_TEST(!!p.run_finished("done", 1));
  BOOST_TEST(
      (notification_kind_named("awaiting_approval") == notification_kind::awaiting_approval));
  BOOST_TEST(!notification_kind_named("story_exploded"));
  for (auto k : all_notification_kinds())
    BOOST_TEST((notification_kind_named(to_string(k)) == k), k);
}

BOOST_AUTO_TEST_CASE(the_json_has_our_fields_ai_sdlcs_fields_and_a_slack_text) {
  notification n{notification_kind::story_blocked, "S-0001",     "Alpha",
                 "review failed 4 times",          "20261202T1", 1764633600000};
  auto j = to_json(n);
  BOOST_TEST(j["event"] == "story_blocked");
  BOOST_TEST(j["story"] == "S-0001");
  BOOST_TEST(j["reason"] == "review failed 4 times");
  BOOST_TEST(j["run"] == "20261202T1");
  BOOST_TEST(j["at"] == "2025-12-02T00:00:00.000Z");
  BOOST_TEST(j["type"] == "story_blocked");
  BOOST_TEST(j["storyId"] == "S-0001");
  BOOST_TEST(j["title"] == "Alpha");
  BOOST_TEST(j["message"] == "review failed 4 times");
  BOOST_TEST(j["timestamp"] == j["at"]);
  BOOST_TEST(j["actionRequired"] == true);
  BOOST_TEST(j["text"] == "sdlc-actors: S-0001 blocked (Alpha): review failed 4 times");
  BOOST_TEST(console_line(n) ==
             "[ACTION REQUIRED] [story_blocked] S-0001: Alpha - review failed 4 times");
  auto end = to_json({notification_kind::run_finished, "", "", "2 stories: 2 done", "r", 0});
  BOOST_TEST(end["summary"] == "2 stories: 2 done");
  BOOST_TEST(!end.contains("story"));
  BOOST_TEST(end["actionRequired"] == false);
}

BOOST_AUTO_TEST_CASE(a_webhook_url_is_shown_without_its_secret) {
  BOOST_TEST(redact_url("https://hooks.slack.com/services/T0/B0/SECRET") ==
             "https://hooks.slack.com/…");
  BOOST_TEST(redact_url("https://user:pw@example.com:8443/x?token=SECRET") ==
             "https://example.com:8443/…");
  BOOST_TEST(redact_url("http://127.0.0.1:9000") == "http://127.0.0.1:9000");
  BOOST_TEST(redact_url("no scheme at all SECRET") == "[a URL]");
}

BOOST_AUTO_TEST_SUITE_END()
