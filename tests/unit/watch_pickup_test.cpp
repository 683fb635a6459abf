// runtime/schedule/watch_pickup: a watching run takes new stories, and ended
// ones only once their file changed; never a running or held one twice.
#include "runtime/schedule/watch_pickup.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
schedule_item item(const std::string& id, std::vector<std::string> deps = {}) {
  schedule_item it;
  it.id = id;
  it.priority = 1;
  it.depends_on = std::move(deps);
  return it;
}
std::vector<std::string> ids(const std::vector<schedule_item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items)
    out.push_back(it.id);
  return out;
}
} // namespace

BOOST_AUTO_TEST_SUITE(watch_pickup_suite)

BOOST_AUTO_TEST_CASE(new_stories_are_taken_running_and_held_ones_are_not) {
  scheduler_core core({item("A"), item("B")}, 2);
  core.keep_open();
  BOOST_TEST(core.take_startable().size() == 2u);
  core.hold("B");
  auto got = watch_pickup({item("A"), item("B"), item("C")}, core, {}, {});
  BOOST_TEST(ids(got) == std::vector<std::string>{"C"});
  core.admit(got[0]);
  BOOST_TEST((core.state_of("C") == item_state::waiting));
}

BOOST_AUTO_TEST_CASE(an_ended_story_comes_back_only_when_its_file_changed) {
  scheduler_core core({item("A"), item("B", {"A"})}, 1);
  core.keep_open();
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  auto blocked = core.mark_failed("A", "boom", item_state::blocked);
  BOOST_TEST(blocked.size() == 1u); // B, blocked by A
  std::map<std::string, file_stamp> ended{{"A", "t1"}, {"B", "t1"}};
  BOOST_TEST(watch_pickup({item("A"), item("B", {"A"})}, core, ended, ended).empty());
  BOOST_TEST(!core.finished()); // watching: nothing runs, and still not finished
  std::map<std::string, file_stamp> now{{"A", "t2"}, {"B", "t1"}}; // A unblocked by hand
  auto got = watch_pickup({item("A"), item("B", {"A"})}, core, ended, now);
  BOOST_TEST(ids(got) == std::vector<std::string>{"A"});
  core.admit(got[0]);
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"});
  core.close();
  core.mark_done("A");
  BOOST_TEST(core.finished());
}

BOOST_AUTO_TEST_CASE(admitting_a_cycle_is_refused_and_changes_nothing) {
  scheduler_core core({item("A", {"B"})}, 1);
  BOOST_CHECK_THROW(core.admit(item("B", {"A"})), std::exception);
  BOOST_TEST(core.ids() == std::vector<std::string>{"A"});
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"A"}); // B outside: satisfied
}

BOOST_AUTO_TEST_SUITE_END()
