#define BOOST_TEST_MODULE actors
#include "actors/messages.hpp"
#include "actors/system_config.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

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
