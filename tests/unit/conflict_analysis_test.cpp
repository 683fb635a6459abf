#define BOOST_TEST_MODULE conflict_analysis
// Severity of overlaps and files predicted from a plan: pure.
#include "runtime/schedule/conflict_analysis.hpp"
#include "runtime/schedule/file_overlaps.hpp"
#include "runtime/schedule/preflight.hpp"
#include "runtime/schedule/scheduler_core.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <random>

using namespace sdlc;

BOOST_AUTO_TEST_CASE(same_file_high_same_directory_medium_else_low) {
  story_files a{"S-1", {"src/api/user.ts", "README.md"}};
  story_files b{"S-2", {"src/api/user.ts"}};
  story_files c{"S-3", {"src/api/auth.ts"}};
  story_files d{"S-4", {"docs/guide.md", "CHANGELOG.md"}};
  story_files none{"S-5", {}};
  auto ab = classify(a, b);
  BOOST_TEST(to_string(ab.severity) == std::string("high"));
  BOOST_TEST(ab.shared == std::vector<std::string>{"src/api/user.ts"});
  BOOST_TEST(describe(ab) == "S-2 may conflict with S-1 (shared: src/api/user.ts)");
  auto ac = classify(a, c);
  BOOST_TEST(to_string(ac.severity) == std::string("medium"));
  BOOST_TEST(ac.shared == std::vector<std::string>{"src/api/"});
  // Two files in the top directory are not "the same directory".
  BOOST_TEST(to_string(classify(a, d).severity) == std::string("low"));
  BOOST_TEST(to_string(classify(a, none).severity) == std::string("none"));
  BOOST_TEST(pairwise({a, b, c, d, none}).size() == 6u); // none with S-5
}

BOOST_AUTO_TEST_CASE(files_named_in_a_plan) {
  auto plan = plan_section("# T\n\n## Research\n\nsee `old/thing.c`\n\n## Implementation Plan\n\n"
                           "1. Edit `src/api/user.ts` and src/api/auth.ts, then run `make test`.\n"
                           "2. Document it in docs/guide.md (see https://example.com/a/b.html).\n"
                           "3. Touch `config.yaml`.\n\n## Review Notes\n\nok src/late.c\n");
  auto files = predicted_files(plan);
  BOOST_TEST((files == std::set<std::string>{"src/api/user.ts", "src/api/auth.ts", "docs/guide.md",
                                             "config.yaml"}));
  BOOST_TEST(plan_section("no plan here").empty());
}

BOOST_AUTO_TEST_CASE(exclusive_stories_never_run_together) {
  scheduler_core core({{"A", 1, {}, 1}, {"B", 2, {}, 1}, {"C", 3, {}, 1}}, 3);
  core.set_exclusive("A", "B", "src/x");
  auto first = core.take_startable();
  BOOST_TEST((first == std::vector<std::string>{"A", "C"})); // B waits, C goes past it
  BOOST_TEST(core.conflicting_running("B").size() == 1u);
  BOOST_TEST(core.conflicting_running("B")[0].first == "A");
  BOOST_TEST(!core.finished());
  core.mark_done("A");
  BOOST_TEST(core.take_startable() == std::vector<std::string>{"B"});
  core.clear_exclusive("B");
  BOOST_TEST(core.conflicting_running("A").empty());
}

// The index must find exactly the pairs classify() calls high, with the same
// shared files, after any sequence of updates (a story's branch changing,
// emptied, or a story first seen) — checked against classify() over every
// pair of a random set of 200 stories, 2,000 updates long.
BOOST_AUTO_TEST_CASE(file_overlaps_equal_classify_over_every_pair) {
  std::mt19937 rng(5);
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  auto random_files = [&](const std::string& id) {
    story_files s{id, {}};
    for (int k = pick(5); k > 0; --k)
      s.files.insert(fmt::format("src/m{}/f{}.cpp", pick(4), pick(12)));
    return s;
  };
  std::vector<story_files> stories;
  for (int i = 0; i < 200; ++i)
    stories.push_back(random_files(fmt::format("S-{:04}", i)));
  file_overlaps index(stories);
  for (int step = 0; step < 2000; ++step) {
    auto at = static_cast<std::size_t>(pick(static_cast<int>(stories.size()) + 1));
    if (at == stories.size()) // one the run had not seen
      stories.push_back(random_files(fmt::format("S-{:04}", 1000 + step)));
    else
      stories[at] = random_files(stories[at].id);
    index.update(stories[at]);
    const auto& me = stories[at];
    std::map<std::string, std::vector<std::string>> expected;
    for (const auto& other : stories) {
      if (other.id == me.id) continue;
      auto c = classify(other, me);
      if (c.severity == conflict_severity::high) expected[other.id] = c.shared;
    }
    BOOST_REQUIRE_MESSAGE(index.sharing(me.id) == expected, "step " << step << ": " << me.id);
  }
  BOOST_TEST(index.sharing("S-9999").empty()); // unknown: shares nothing
}

// Without low pairs, pairwise() goes through an index of files and
// directories; it must give exactly the medium and high pairs of the full
// n² comparison, in the same order (top-level files share no directory).
BOOST_AUTO_TEST_CASE(indexed_pairs_equal_the_full_comparison_without_low) {
  std::mt19937 rng(11);
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  std::vector<story_files> stories;
  for (int i = 0; i < 300; ++i) {
    story_files s{fmt::format("S-{:04}", i), {}};
    for (int k = pick(4); k > 0; --k)
      s.files.insert(pick(6) == 0 ? fmt::format("top{}.md", pick(5))
                                  : fmt::format("src/m{}/f{}.cpp", pick(30), pick(8)));
    stories.push_back(s);
  }
  std::vector<story_conflict> expected;
  for (auto& c : pairwise(stories, true))
    if (c.severity != conflict_severity::low) expected.push_back(c);
  auto got = pairwise(stories, false);
  BOOST_REQUIRE(got.size() == expected.size());
  BOOST_TEST(got.size() > 100u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].a == expected[i].a);
    BOOST_TEST(got[i].b == expected[i].b);
    BOOST_TEST((got[i].severity == expected[i].severity));
    BOOST_TEST(got[i].shared == expected[i].shared);
  }
}

// A run's start names at most `shown` pairs of each kind and counts the rest:
// a big board whose stories name the same files printed thousands of lines.
BOOST_AUTO_TEST_CASE(the_overlap_report_names_the_worst_and_counts_the_rest) {
  std::vector<story_conflict> all;
  auto pair = [&](int i, conflict_severity s, const char* what) {
    story_conflict c;
    c.a = fmt::format("S-{:04}", i);
    c.b = fmt::format("S-{:04}", i + 1);
    c.severity = s;
    c.shared = {what};
    all.push_back(c);
  };
  for (int i = 0; i < 25; ++i)
    pair(i, conflict_severity::high, "src/shared.txt");
  for (int i = 100; i < 103; ++i)
    pair(i, conflict_severity::medium, "src");
  pair(200, conflict_severity::low, "");

  auto lines = overlap_report(all, 20);
  BOOST_REQUIRE(lines.size() == 3u + 20u + 1u); // notes, warnings, one count
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST(lines[i].rfind("note: S-010", 0) == 0u, lines[i]);
  BOOST_TEST(lines[3] == "warning: S-0001 may conflict with S-0000 (shared: src/shared.txt)");
  BOOST_TEST(lines[22].rfind("warning: S-0020 may conflict with S-0019", 0) == 0u, lines[22]);
  BOOST_TEST(lines.back() == "warning: … and 5 more pairs sharing a file (`sdlc-actors conflicts` "
                             "lists them all)");

  auto few = overlap_report(all, 2);
  BOOST_REQUIRE(few.size() == 2u + 1u + 2u + 1u);
  BOOST_TEST(few[2] == "note: … and 1 more pair sharing a directory (`sdlc-actors conflicts` "
                       "lists them all)");
  BOOST_TEST(few.back().find("and 23 more pairs sharing a file") != std::string::npos);
  BOOST_TEST(overlap_report({}, 20).empty());
}
