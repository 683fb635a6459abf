// runtime/schedule/run_rivals: the stories a run must not start beside one
// whose files just became known — those of the run, unfinished, sharing a
// file, and not related by a dependency; with the files shared.
#include "runtime/schedule/run_rivals.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(run_rivals_tests)

BOOST_AUTO_TEST_CASE(only_unfinished_unrelated_stories_of_the_run_sharing_a_file) {
  // A: the story whose files are new. B runs, C waits, D is done, E depends
  // on A, F is on the board but not in the run, G shares nothing.
  std::vector<schedule_item> items;
  for (const char* id : {"A", "B", "C", "D", "G"})
    items.push_back({id, 1, {}, 1});
  items.push_back({"E", 1, {"A"}, 1});
  scheduler_core core(items, 8);
  core.take_startable();
  core.mark_done("D");
  core.mark_waiting("C");
  file_overlaps overlaps({{"A", {"src/a.c", "src/b.c"}},
                          {"B", {"src/a.c"}},
                          {"C", {"src/b.c", "docs/x.md"}},
                          {"D", {"src/a.c"}},
                          {"E", {"src/a.c"}},
                          {"F", {"src/b.c"}},
                          {"G", {"docs/x.md"}}});
  dependency_reach depends(std::map<std::string, std::vector<std::string>>{{"E", {"A"}}});
  auto rivals = run_rivals(overlaps, depends, core, "A");
  std::map<std::string, std::vector<std::string>> want{{"B", {"src/a.c"}}, {"C", {"src/b.c"}}};
  BOOST_TEST((rivals == want));
  // As its files change, so do its rivals.
  overlaps.update({"A", {"docs/x.md"}});
  want = {{"C", {"docs/x.md"}}, {"G", {"docs/x.md"}}};
  BOOST_TEST((run_rivals(overlaps, depends, core, "A") == want));
}

BOOST_AUTO_TEST_SUITE_END()
