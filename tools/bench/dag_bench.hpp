#pragma once
// sdlc-bench's DAG measurements: a random DAG of stories (dependencies only on
// the 8 stories before, 0-2 each; one duration per story's actions) and the
// makespans the scheduler's pure core gives it under what a run can know.
#include <filesystem>

namespace sdlc::bench {

// Writes the DAG as stories on the board at `root` (with estimated_effort when
// `estimates`) and each story's action duration to <root>/durations.txt;
// prints the lower bound and the simulated makespans in seconds.
int dag(const std::filesystem::path& root, int n, int capacity, unsigned seed, int min_ms,
        int max_ms, bool estimates);

// The same DAG shape for seeds 1..seeds, no board: the mean of each
// simulated makespan ÷ its lower bound, so a figure from one seed can be told
// from the shape's typical one.
int dag_seeds(int n, int capacity, int seeds, int min_ms, int max_ms);

// What one event of a live run costs the scheduler's core on an n-story plan
// (issue 17: its story's neighbours, not the board): the mean microseconds
// and stories touched of a story finishing, of one sent back by landing
// (readmit) and of one picked up by `run --watch` (admit), half the plan done.
int events(int n, unsigned seed);

} // namespace sdlc::bench
