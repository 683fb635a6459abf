#define BOOST_TEST_MODULE dependency_graph
#include "runtime/story/dependency_graph.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_CASE(missing_and_cycles_are_reported_with_ids) {
  dependency_graph g({{"S-1", {"S-2"}}, {"S-2", {"S-3"}}, {"S-3", {"S-1"}}, {"S-4", {"s-9"}}});
  auto issues = g.issues();
  BOOST_REQUIRE(issues.size() == 2u);
  BOOST_TEST(issues[0].message() == "S-4 depends on S-9, which is not on the board");
  BOOST_TEST(issues[1].kind == dependency_issue::cycle);
  BOOST_TEST(issues[1].message() == "dependency cycle: S-1 -> S-2 -> S-3 -> S-1");
}

BOOST_AUTO_TEST_CASE(self_dependency_is_a_cycle) {
  dependency_graph g(std::map<std::string, std::vector<std::string>>{{"S-1", {"S-1"}}});
  BOOST_REQUIRE(g.issues().size() == 1u);
  BOOST_TEST(g.issues()[0].message() == "dependency cycle: S-1 -> S-1");
}

BOOST_AUTO_TEST_CASE(order_puts_dependencies_first) {
  dependency_graph g({{"S-3", {"S-1", "S-2"}}, {"S-2", {"S-1"}}, {"S-1", {}}, {"S-4", {}}});
  BOOST_TEST(g.issues().empty());
  auto order = g.topological_order();
  BOOST_TEST(order == (std::vector<std::string>{"S-1", "S-2", "S-3", "S-4"}));
  BOOST_TEST(g.dependents_of("s-1") == (std::vector<std::string>{"S-2", "S-3"}));
}
