#pragma once
// One `run`, in four named steps: resolve it (config, batch file, nodes,
// selection) and prepare the board (run lock, plan, preflight, cleanup) —
// runtime/schedule/run_preparation —, then spawn it (gateway, status,
// scheduler with its supervisor, rate limiter, nodes) and await it (Ctrl-C /
// SIGTERM once: drain; twice, or after shutdown.gracePeriod: stop now),
// turning the outcome into an exit code.
#include "runtime/schedule/run_preparation.hpp"

#include <iosfwd>

namespace sdlc {

// Exit code: 0 all done, 1 some failed or blocked, 130 interrupted (SIGINT/SIGTERM).
int run_stories(run_options opts, std::ostream& out);

} // namespace sdlc
