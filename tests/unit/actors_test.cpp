#define BOOST_TEST_MODULE actors
#include "actors/messages.hpp"
#include "actors/permit_bridge.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/system_config.hpp"
#include "actors/actors.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <thread>

// Every message type must cross the network: serialize to real bytes and
// come back the same (an unregistered type silently serializes to nothing in
// CAF 0.17 — NOTES-TOOLCHAIN). One sample of each, with every field set.
namespace {

using namespace sdlc;

story_event sample(message_type_tag<story_event>) {
  return {"S-0001", event_kind::tool_use, action_type::plan, "Write src/x.cpp", 42};
}
agent_progress sample(message_type_tag<agent_progress>) {
  return {"S-0002", action_type::implement, 70, "halfway", 43};
}
usage_report sample(message_type_tag<usage_report>) {
  return {"S-0003", action_type::review, 1200, 340, 0.25, 44};
}
process_started sample(message_type_tag<process_started>) {
  return {"S-0004", action_type::rework, 4242, "node1:4242", 45};
}
story_waiting sample(message_type_tag<story_waiting>) {
  return {"S-0005", wait_cause::conflict, {"S-0001", "S-0002"}, "waits for S-0001", 46};
}
story_finished sample(message_type_tag<story_finished>) {
  return {"S-0006", story_result::blocked, "review failed 4 times", 47};
}
landing_event sample(message_type_tag<landing_event>) {
  return {"S-0007", landing_kind::sent_back, "test failed (exit code 1)", 49};
}
limiter_stats sample(message_type_tag<limiter_stats>) {
  return {3, 8, 5, 2, 48};
}
concurrency_level sample(message_type_tag<concurrency_level>) {
  return {2, 49};
}
notification sample(message_type_tag<notification>) {
  return {notification_kind::awaiting_approval, "S-0008", "Title", "plan waits", "20261202T1", 50};
}
delivery_failed sample(message_type_tag<delivery_failed>) {
  return {notification_kind::story_blocked, "S-0009", "webhook http://h/…", "HTTP 500", 51};
}
agent_job sample(message_type_tag<agent_job>) {
  agent_job j;
  j.story = "S-0007";
  j.action = action_type::review;
  j.check = "test";
  j.argv = {"/bin/sh", "-c", "make test"};
  j.env = {{"PATH", "/usr/bin"}, {"SDLC_STORY_ID", "S-0007"}};
  j.cwd = "/tmp/wt";
  j.wall_ms = 1000;
  j.idle_ms = 500;
  j.result_grace_ms = 250;
  return j;
}
agent_outcome sample(message_type_tag<agent_outcome>) {
  agent_outcome o;
  o.pid = 77;
  o.exit_code = 3;
  o.signal = 9;
  o.killed_reason = "idle";
  o.saw_result = true;
  o.is_error = true;
  o.api_error_status = 529;
  o.result_text = "text";
  o.session_id = "sid";
  o.num_turns = 4;
  o.tool_uses = 5;
  o.cost_usd = 0.5;
  o.input_tokens = 6;
  o.output_tokens = 7;
  o.duration_ms = 8;
  o.limit_resets_at_ms = 9;
  o.commit = "abc";
  o.node = "n:1";
  return o;
}
permit_ask sample(message_type_tag<permit_ask>) {
  return {11, "S-0008", 3, 4000, 1024};
}
permit_done sample(message_type_tag<permit_done>) {
  return {11, 429, 10, 20, 3000, 50, 49, 40000, 8000};
}
node_hello sample(message_type_tag<node_hello>) {
  return {"0123456789abcdef", "host pid 1"};
}
node_info sample(message_type_tag<node_info>) {
  return {"h:1", 3, 1, "/srv", "0.1.0"};
}
remote_job sample(message_type_tag<remote_job>) {
  remote_job r;
  r.job = sample(message_type_tag<agent_job>{});
  r.repo_url = "/srv/git/x.git";
  r.branch = "ai-sdlc/S-0007-x";
  r.sha = "deadbeef";
  r.commit_after = true;
  r.commit_message = "S-0007: implement";
  r.upstream = "http://127.0.0.1:1";
  r.gateway_base = "http://127.0.0.1:2";
  r.gateway_token = "tok";
  r.priority = 12;
  return r;
}

template <class T> std::vector<char> bytes_of(caf::actor_system& sys, const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(x);
  BOOST_REQUIRE(!sink(msg));
  return buf;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_message_type_round_trips_through_the_serializer) {
  sdlc::system_config cfg;
  caf::actor_system sys{cfg};
  int types = 0;
  sdlc::for_each_message_type([&](auto tag, const char* name) {
    using T = typename decltype(tag)::type;
    BOOST_TEST_CONTEXT(name) {
      ++types;
      const T in = sample(tag);
      auto buf = bytes_of(sys, in);
      // Real bytes (an unregistered type gives none), and the sample's own:
      // not those of an empty value.
      BOOST_TEST(buf.size() > 20u);
      BOOST_TEST((buf != bytes_of(sys, T{})));
      caf::binary_deserializer source{sys, buf};
      caf::message out;
      BOOST_REQUIRE(!source(out));
      BOOST_REQUIRE(out.match_elements<T>());
      // What came back serializes to the same bytes: every field survived.
      BOOST_TEST((bytes_of(sys, out.get_as<T>(0)) == buf));
    }
  });
  BOOST_TEST(types == 18);
}

// Spot checks that the fields are the values, not only the same bytes.
BOOST_AUTO_TEST_CASE(typed_fields_survive_as_values) {
  sdlc::system_config cfg;
  caf::actor_system sys{cfg};
  auto buf = bytes_of(sys, sample(message_type_tag<agent_job>{}));
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  BOOST_REQUIRE(!source(out));
  const auto& job = out.get_as<agent_job>(0);
  BOOST_TEST(job.action == action_type::review);
  BOOST_TEST(job.check == "test");
  BOOST_TEST(job.env.at("SDLC_STORY_ID") == "S-0007");
  BOOST_TEST(job.label() == "check-test");
}

// A permit asked of a limiter that is already gone (its message is dropped)
// is refused, not waited for forever: the gateway thread would otherwise hang
// the run's or the node's shutdown.
BOOST_AUTO_TEST_CASE(a_permit_asked_of_a_limiter_that_is_gone_is_refused) {
  sdlc::system_config cfg;
  caf::actor_system sys{cfg};
  auto limiter = sdlc::spawn_rate_limiter(sys, sdlc::limiter_options{});
  {
    caf::scoped_actor self{sys};
    self->monitor(limiter);
    self->send(limiter, sdlc::atoms::shutdown::value);
    self->receive([](const caf::down_msg&) {});
  }
  sdlc::permit_bridge bridge(limiter, {});
  auto permits = bridge.permits();
  std::promise<bool> answered;
  auto result = answered.get_future();
  std::thread([acquire = permits.acquire, p = std::move(answered)]() mutable {
    p.set_value(acquire(sdlc::permit_request{7, "S-0001", 100, 10}));
  }).detach();
  BOOST_REQUIRE_MESSAGE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
                        "the gateway thread still waits for a permit from a dead limiter");
  BOOST_TEST(!result.get());
  bridge.close();
}
