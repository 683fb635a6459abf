#pragma once
// `run --config batch.yaml`: a run described in a file — which stories,
// how many at once, priority overrides, and config sections (agent, timeouts,
// retry policy, review limits, worktree policy) that apply to this run only.
// Validated with errors naming the file and key; see docs/batch-files.md.
#include "runtime/config/config.hpp"
#include "runtime/schedule/run_plan.hpp"

#include <filesystem>
#include <optional>

namespace sdlc {

struct batch_settings {
  run_selection selection;
  std::optional<int> concurrency;
  std::optional<bool> fail_fast;
  std::optional<bool> keep_worktrees;
  std::vector<std::string> nodes; // host:port of worker nodes
};

// Reads the file, applies its config sections to `cfg`, returns the rest.
batch_settings load_batch_file(const std::filesystem::path& file, config& cfg);

} // namespace sdlc
