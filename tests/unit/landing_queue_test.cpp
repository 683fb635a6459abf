// runtime/land/landing_queue: the landing lane's order and Bors-style batches
// with bisection — what lands, which story is the culprit, and how many test
// runs that took (the cost the lane exists to cut).
#include "runtime/land/landing_queue.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

using namespace sdlc;

namespace {

std::string id(int i) {
  return "S-" + std::to_string(1000 + i);
}

// Drives the queue to the end with a test that is red exactly when a batch
// holds a culprit; returns what landed (in order) and what was sent back.
struct outcome {
  std::vector<std::string> landed, culprits;
  int tests = 0;
};
outcome drain(landing_queue& q, const std::set<std::string>& bad) {
  outcome o;
  for (auto batch = q.next_batch(); !batch.empty(); batch = q.next_batch()) {
    bool red = std::any_of(batch.begin(), batch.end(), [&](auto& s) { return bad.count(s) > 0; });
    q.report(!red);
    for (auto& s : q.take_landed())
      o.landed.push_back(s);
    for (auto& s : q.take_culprits())
      o.culprits.push_back(s);
  }
  for (auto& s : q.take_culprits()) // found without a test: known red by bisection
    o.culprits.push_back(s);
  o.tests = q.tests_run();
  return o;
}

landing_queue queue_of(int n, std::size_t batch) {
  landing_queue q(batch);
  for (int i = 0; i < n; ++i)
    q.add({id(i), 10, {}});
  return q;
}

} // namespace

BOOST_AUTO_TEST_SUITE(landing_queue_suite)

BOOST_AUTO_TEST_CASE(a_green_batch_lands_at_once) {
  auto q = queue_of(16, 16);
  auto o = drain(q, {});
  BOOST_TEST(o.tests == 1);
  BOOST_TEST(o.landed.size() == 16u);
  BOOST_TEST(q.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(one_culprit_among_16_is_found_in_at_most_6_runs_wherever_it_is) {
  int total = 0;
  for (int k = 0; k < 16; ++k) {
    BOOST_TEST_CONTEXT("culprit " << id(k)) {
      auto q = queue_of(16, 16);
      auto o = drain(q, {id(k)});
      BOOST_TEST(o.culprits == std::vector<std::string>{id(k)});
      BOOST_TEST(o.landed.size() == 15u);
      BOOST_TEST((std::find(o.landed.begin(), o.landed.end(), id(k)) == o.landed.end()));
      BOOST_TEST(o.tests <= 6); // log2(16) + 2: bisect to it, then the rest at once
      total += o.tests;
    }
  }
  BOOST_TEST(total < 16 * 6); // on average under the bound (one at a time: 16 runs each)
}

BOOST_AUTO_TEST_CASE(two_culprits_are_both_found_and_the_rest_lands) {
  auto q = queue_of(8, 8);
  auto o = drain(q, {id(1), id(6)});
  std::sort(o.culprits.begin(), o.culprits.end());
  BOOST_TEST((o.culprits == std::vector<std::string>{id(1), id(6)}));
  BOOST_TEST(o.landed.size() == 6u);
  BOOST_TEST(o.tests <= 2 * (2 * 3) + 1); // two bisections of 8 at most
}

BOOST_AUTO_TEST_CASE(batches_are_at_most_batch_size) {
  auto q = queue_of(5, 2);
  BOOST_TEST(q.next_batch().size() == 2u);
  auto o = drain(q, {});
  BOOST_TEST(o.tests == 3);
  BOOST_TEST(o.landed.size() == 5u);
}

BOOST_AUTO_TEST_CASE(dependencies_first_then_priority_then_arrival) {
  landing_queue q(8);
  q.add({"S-0003", 5, {"S-0002"}});
  q.add({"S-0002", 20, {}});
  q.add({"S-0001", 10, {}});
  q.add({"S-0004", 10, {}});
  auto batch = q.next_batch();
  BOOST_TEST((batch == std::vector<std::string>{"S-0001", "S-0004", "S-0002", "S-0003"}));
}

BOOST_AUTO_TEST_CASE(a_story_waits_for_a_dependency_that_is_not_in_the_queue) {
  landing_queue q(8);
  q.add({"S-0002", 1, {"S-0001"}});
  BOOST_TEST(q.next_batch().empty());
  q.add({"S-0001", 9, {}});
  BOOST_TEST((q.next_batch() == std::vector<std::string>{"S-0001", "S-0002"}));
}

BOOST_AUTO_TEST_CASE(dependents_of_a_culprit_wait_for_it_and_land_after_its_rework) {
  landing_queue q(8);
  q.add({"S-0001", 1, {}});
  q.add({"S-0002", 2, {"S-0001"}});
  q.add({"S-0003", 3, {}});
  auto o = drain(q, {"S-0001"});
  BOOST_TEST(o.culprits == std::vector<std::string>{"S-0001"});
  BOOST_TEST(o.landed == std::vector<std::string>{"S-0003"});
  BOOST_TEST(q.waiting() == 1u); // S-0002, for S-0001
  q.add({"S-0001", 1, {}});      // reworked
  auto again = drain(q, {});
  BOOST_TEST((again.landed == std::vector<std::string>{"S-0001", "S-0002"}));
  BOOST_TEST(q.has_landed("S-0002"));
}

BOOST_AUTO_TEST_CASE(a_rejected_story_leaves_without_being_reported_as_a_culprit) {
  landing_queue q(8);
  q.add({"S-0001", 1, {}});
  q.add({"S-0002", 2, {"S-0001"}});
  q.add({"S-0003", 3, {}});
  BOOST_TEST(q.next_batch().size() == 3u);
  q.reject("S-0001"); // conflicts: its dependent waits for it
  BOOST_TEST(q.take_culprits().empty());
  BOOST_TEST((q.next_batch() == std::vector<std::string>{"S-0003"}));
  BOOST_TEST(q.waiting() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
