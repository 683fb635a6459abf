// sdlc-bench: the measurements behind docs/benchmarks.md that need the
// library itself (tools/bench/run drives everything and writes the file).
//
//   sdlc-bench dag <project> <stories> <capacity> <seed> <action-ms-min> <action-ms-max>
//                  [--estimates]
//       makes a random DAG of stories on the board, writes each story's action
//       duration to <project>/durations.txt (read by the bench agent), and
//       prints the lower bound and the simulated makespans (knowing every
//       duration, level-by-level, blind, and weighing by estimates) in
//       seconds. --estimates: each story carries ai-sdlc's estimated_effort,
//       the third of the duration range its actions fall in (small, medium,
//       large) — coarse, as a person's estimate is.
//   sdlc-bench dag-seeds <stories> <capacity> <seeds> <action-ms-min> <action-ms-max>
//       the same DAG shape for seeds 1..<seeds>, no board: the mean of each
//       simulated makespan ÷ its lower bound (with estimates exact, and with
//       a quarter of them one class off).
//   sdlc-bench board <project> <stories> <seed>
//       fills the board with a deterministic mix (issue 17's shape): random
//       priorities, 0-3 dependencies each on earlier stories, statuses mixed
//       (backlog, ready, in-progress, done, blocked; the phase flags to match).
//   sdlc-bench events <stories> <seed>
//       what one event of a live run costs the scheduler's core: a story
//       finishing, sent back by landing, picked up by --watch (µs, stories
//       touched), on a plan of <stories> half done.
//   sdlc-bench actors <project> <count>
//       spawns <count> story actors (not started) and prints the process RSS.
#include "actors/story_actor.hpp"
#include "actors/system_config.hpp"
#include "runtime/story/board.hpp"
#include "tools/bench/dag_bench.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <random>

using namespace sdlc;

namespace {

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Writes the story files itself: `add` reads the whole board for every new
// story (slugs, ids), which makes filling a 10,000-story board quadratic.
int make_board(const std::filesystem::path& root, int n, unsigned seed) {
  board b(root, load_config(root, {}));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<long> priority(1, 1000);
  std::uniform_int_distribution<int> ndeps(0, 3), percent(0, 99);
  for (int i = 1; i <= n; ++i) {
    const auto id = fmt::format("S-{:04}", i);
    std::vector<std::string> deps;
    if (i > 1)
      for (int k = ndeps(rng); k > 0; --k) {
        auto dep = fmt::format("S-{:04}", std::uniform_int_distribution<int>(1, i - 1)(rng));
        if (std::find(deps.begin(), deps.end(), dep) == deps.end()) deps.push_back(dep);
      }
    const int p = percent(rng);
    const char* status = p < 30   ? "backlog"
                         : p < 60 ? "ready"
                         : p < 70 ? "in-progress"
                         : p < 95 ? "done"
                                  : "blocked";
    const bool started = p >= 60, done = p >= 70 && p < 95;
    std::string text = fmt::format(
        "---\nid: {}\ntitle: Generated story {}\nslug: generated-story-{}\npriority: {}\n"
        "status: {}\ntype: feature\ncreated: '2026-12-02'\nlabels: []\n"
        "research_complete: {}\nplan_complete: {}\nimplementation_complete: {}\n"
        "reviews_complete: {}\n",
        id, i, i, priority(rng), status, started, started, done, done);
    if (p >= 95) text += "blocked_reason: 'generated: waits for a decision'\n";
    text += deps.empty() ? "dependencies: []\n" : "dependencies:\n";
    for (const auto& d : deps)
      text += "  - " + d + "\n";
    text += fmt::format("---\n# Generated story {}\n\n## Summary\n\nGenerated for the scale "
                        "benchmarks.\n\n## Acceptance Criteria\n\n- [ ] it scales\n",
                        i);
    const auto dir = b.sdlc_dir() / "stories" / id;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "story.md") << text;
  }
  std::cout << fmt::format("{} stories in {}\n", n, b.sdlc_dir().string());
  return 0;
}

int actors(const std::filesystem::path& root, int count) {
  board b(root, load_config(root, {}));
  auto ids = b.scan().stories;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  long before = rss_kb();
  std::vector<story_actor> live;
  for (int i = 0; i < count; ++i)
    live.push_back(spawn_story_actor(sys, caf::actor_cast<story_report_actor>(self), {}, b,
                                     ids[static_cast<std::size_t>(i) % ids.size()].id(), {}));
  long after = rss_kb();
  std::cout << fmt::format("rss_before_kb {}\nrss_after_kb {}\nper_actor_kb {:.1f}\n", before,
                           after, static_cast<double>(after - before) / count);
  for (auto& a : live)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if ((a.size() == 7 || (a.size() == 8 && a[7] == "--estimates")) && a[0] == "dag")
      return bench::dag(a[1], std::stoi(a[2]), std::stoi(a[3]),
                        static_cast<unsigned>(std::stoul(a[4])), std::stoi(a[5]), std::stoi(a[6]),
                        a.size() == 8);
    if (a.size() == 6 && a[0] == "dag-seeds")
      return bench::dag_seeds(std::stoi(a[1]), std::stoi(a[2]), std::stoi(a[3]), std::stoi(a[4]),
                              std::stoi(a[5]));
    if (a.size() == 3 && a[0] == "events")
      return bench::events(std::stoi(a[1]), static_cast<unsigned>(std::stoul(a[2])));
    if (a.size() == 3 && a[0] == "actors") return actors(a[1], std::stoi(a[2]));
    if (a.size() == 4 && a[0] == "board")
      return make_board(a[1], std::stoi(a[2]), static_cast<unsigned>(std::stoul(a[3])));
  } catch (const std::exception& e) {
    std::cerr << "sdlc-bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: sdlc-bench dag <project> <n> <capacity> <seed> <min-ms> <max-ms> "
               "[--estimates] | dag-seeds <n> <capacity> <seeds> <min-ms> <max-ms> | events "
               "<n> <seed> | actors <project> <count> | board <project> <n> <seed>\n";
  return 2;
}
