#define BOOST_TEST_MODULE actors
#include "actors/messages.hpp"
#include "actors/permit_bridge.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/system_config.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <thread>

// Every message type must serialize to real bytes (an unregistered type
// silently serializes to nothing in CAF 0.17 — NOTES-TOOLCHAIN).
BOOST_AUTO_TEST_CASE(story_event_round_trips_through_the_serializer) {
  sdlc::system_config cfg;
  caf::actor_system sys{cfg};
  sdlc::story_event in{"S-0001", "action_started", "plan", "detail", 42};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(in);
  BOOST_REQUIRE(!sink(msg));
  BOOST_TEST(buf.size() > 20u);
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  BOOST_REQUIRE(!source(out));
  BOOST_REQUIRE(out.match_elements<sdlc::story_event>());
  const auto& ev = out.get_as<sdlc::story_event>(0);
  BOOST_TEST(ev.story_id == "S-0001");
  BOOST_TEST(ev.action == "plan");
  BOOST_TEST(ev.at_ms == 42);
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
