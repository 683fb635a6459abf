#define BOOST_TEST_MODULE dependency_graph
#include "runtime/story/dependency_graph.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

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

BOOST_AUTO_TEST_CASE(a_dag_has_no_issues_and_ids_are_case_blind) {
  dependency_graph g({{"S-3", {"S-1", "S-2"}}, {"S-2", {"S-1"}}, {"S-1", {}}, {"S-4", {}}});
  BOOST_TEST(g.issues().empty());
  BOOST_TEST(g.dependencies_of("s-3") == (std::vector<std::string>{"S-1", "S-2"}));
}

// A board may be one long chain; checking it must not recurse once per link
// (200,000 frames would overflow the stack).
BOOST_AUTO_TEST_CASE(a_chain_of_200000_stories_is_checked_without_recursion) {
  const int n = 200000;
  std::map<std::string, std::vector<std::string>> edges;
  for (int i = 0; i < n; ++i)
    edges[fmt::format("S-{:06}", i)] =
        i ? std::vector<std::string>{fmt::format("S-{:06}", i - 1)} : std::vector<std::string>{};
  BOOST_TEST(dependency_graph(edges).issues().empty());
  edges["S-000000"] = {fmt::format("S-{:06}", n - 1)}; // closes the chain into one cycle
  auto issues = dependency_graph(std::move(edges)).issues();
  BOOST_REQUIRE(issues.size() == 1u);
  BOOST_TEST(issues[0].kind == dependency_issue::cycle);
  BOOST_TEST(issues[0].ids.size() == std::size_t(n + 1));
  BOOST_TEST(issues[0].ids.front() == issues[0].ids.back());
}
