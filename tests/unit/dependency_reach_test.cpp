// runtime/schedule/dependency_reach: which pairs of stories depend on each
// other, directly or not (such a pair never runs at once), against a plain
// reachability search on a random board; cycles and chains as long as a
// board end.
#include "runtime/schedule/dependency_reach.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace sdlc;

namespace {

using edges = std::map<std::string, std::vector<std::string>>;

// The reference: a fresh search from `from`, nothing kept.
bool reaches(const edges& deps, const std::string& from, const std::string& to) {
  std::set<std::string> seen;
  std::vector<std::string> todo{from};
  while (!todo.empty()) {
    auto at = todo.back();
    todo.pop_back();
    auto it = deps.find(at);
    if (it == deps.end()) continue;
    for (const auto& d : it->second) {
      if (d == to) return true;
      if (seen.insert(d).second) todo.push_back(d);
    }
  }
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dependency_reach_tests)

BOOST_AUTO_TEST_CASE(either_direction_directly_or_not) {
  dependency_reach r(edges{{"C", {"B"}}, {"B", {"A"}}, {"D", {"A"}}, {"E", {}}});
  BOOST_TEST(r.related("C", "A")); // through B
  BOOST_TEST(r.related("A", "C")); // asked the other way round
  BOOST_TEST(r.related("B", "C"));
  BOOST_TEST(!r.related("C", "D")); // siblings sharing an ancestor
  BOOST_TEST(!r.related("E", "A"));
  BOOST_TEST(!r.related("X", "A")); // a story the board does not have
}

BOOST_AUTO_TEST_CASE(a_cycle_ends_the_walk) {
  dependency_reach r(edges{{"A", {"B"}}, {"B", {"C"}}, {"C", {"A"}}, {"D", {"C"}}});
  BOOST_TEST(r.related("A", "C"));
  BOOST_TEST(r.related("D", "B"));
  BOOST_TEST(!r.related("A", "E"));
}

BOOST_AUTO_TEST_CASE(the_same_answers_as_a_fresh_search_on_a_random_board) {
  std::mt19937 rng(17);
  edges deps;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    auto& mine = deps["S-" + std::to_string(i)];
    for (int k = std::uniform_int_distribution<int>(0, 3)(rng); i > 0 && k > 0; --k)
      mine.push_back("S-" + std::to_string(std::uniform_int_distribution<int>(0, i - 1)(rng)));
  }
  dependency_reach r(deps);
  int related = 0, differ = 0;
  for (int q = 0; q < 4000; ++q) {
    auto a = "S-" + std::to_string(std::uniform_int_distribution<int>(0, n - 1)(rng));
    auto b = "S-" + std::to_string(std::uniform_int_distribution<int>(0, n - 1)(rng));
    if (a == b) continue;
    bool want = reaches(deps, a, b) || reaches(deps, b, a);
    related += want;
    differ += r.related(a, b) != want;
  }
  BOOST_TEST(differ == 0);
  BOOST_TEST(related > 100); // the board has pairs of both kinds
  BOOST_TEST(related < 3900);
}

BOOST_AUTO_TEST_CASE(a_chain_as_long_as_a_big_board) {
  edges deps;
  const int n = 200000; // a recursion this deep would outgrow a thread's 8 MB stack
  for (int i = 1; i < n; ++i)
    deps["S-" + std::to_string(i)] = {"S-" + std::to_string(i - 1)};
  dependency_reach r(deps);
  BOOST_TEST(r.related("S-" + std::to_string(n - 1), "S-0"));
  BOOST_TEST(r.related("S-1", "S-" + std::to_string(n - 1)));
}

BOOST_AUTO_TEST_SUITE_END()
