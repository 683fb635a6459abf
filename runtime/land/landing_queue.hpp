#pragma once
// The landing lane's decisions, pure (no git, no processes): in which order
// finished stories land, which of them are merged and tested together, and
// what a green or red test of that batch means — land it all, or bisect
// (Bors-style) until the culprits are found and the rest has landed. The
// merge queue runs the merges and the tests; this says what to run next.
//
// Bisection assumes a batch is red because of one or more of its stories, not
// because of how two of them combine: a red batch [a..h] tests [a..d]; green,
// it lands and [e..h] is known red without a test; red, [e..h] is tested on
// its own later. Once a culprit is out, the rest of the batch is tested
// together again. With one culprit among n that is at most log2(n)+2 runs.
#include <cstddef>
#include <string>
#include <vector>

namespace sdlc {

struct land_candidate {
  std::string id;
  long priority = 0; // lower lands first (as stories run)
  // Stories that have not landed yet and must land first. One outside the
  // queue keeps this one waiting until it is added and lands.
  std::vector<std::string> depends_on;
};

class landing_queue {
public:
  explicit landing_queue(std::size_t batch_size = 8);

  // A story whose review approved (or that came back from rework) waits to land.
  void add(land_candidate c);
  // What to merge onto the base tip and test next, in merge order; empty when
  // nothing can be tested now. The same until report().
  std::vector<std::string> next_batch();
  // The test of next_batch(): green lands all of it; red bisects. A story
  // red on its own (tested, or known by bisection) is a culprit: it leaves
  // the queue, and the stories that depend on it go back to waiting for it.
  void report(bool green);

  // A story that cannot be merged at all (a conflict with the base): it
  // leaves like a culprit, without a test; the caller reports it, so it is
  // not among take_culprits().
  void reject(const std::string& id);

  std::vector<std::string> take_landed();   // since the last call, in landing order
  std::vector<std::string> take_culprits(); // since the last call
  bool has_landed(const std::string& id) const;
  std::size_t waiting() const; // in the queue, not yet landed or a culprit
  int tests_run() const { return tests_; }

private:
  enum class known { unknown, red, red_if_left_green };
  struct segment {
    std::vector<std::string> ids;
    known state = known::unknown;
  };
  bool eligible(const land_candidate& c, const std::vector<std::string>& before) const;
  void open_segment();
  void resolve_known_red();
  void found_culprit(const std::string& id);

  std::size_t batch_size_;
  std::vector<land_candidate> waiting_; // arrival order, not in a segment
  std::vector<land_candidate> all_;     // every candidate in a segment (by id lookup)
  std::vector<segment> stack_;          // back(): tested next
  std::vector<std::string> landed_all_, landed_new_, culprits_new_;
  int tests_ = 0;
};

} // namespace sdlc
