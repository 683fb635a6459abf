#pragma once
// One `run`, in four named steps: resolve it (config, batch file, nodes,
// selection), prepare the board (run lock, plan, preflight, cleanup), spawn
// it (gateway, status, scheduler with its supervisor, rate limiter, nodes)
// and await it (Ctrl-C / SIGTERM once: drain; twice, or after
// shutdown.gracePeriod: stop now), turning the outcome into an exit code.
#include "runtime/remote/credentials.hpp"
#include "runtime/schedule/run_plan.hpp"
#include "runtime/workflow/action_type.hpp"

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct run_options {
  std::filesystem::path project;
  run_selection select;
  std::optional<int> concurrent; // --concurrent N (default 1)
  bool use_worktree = false;
  bool no_worktree = false;          // ai-sdlc's --no-worktree
  std::optional<int> max_concurrent; // ai-sdlc's --max-concurrent (with --epic)
  std::optional<int> max_iterations; // ai-sdlc's --max-iterations: review rejections allowed
  bool force = false;
  bool yes = false;          // start even when stories may conflict
  bool force_unlock = false; // take over the run lock; refused while its holder lives
  bool keep_worktrees = false;
  bool fail_fast = false;
  bool dry_run = false;
  // ai-sdlc's step mode (runtime/schedule/recommended_action): one agent
  // action per story — the recommended story's, or --story's.
  bool one_action = false;
  std::optional<action_type> step; // --step: only stories whose next action is this
  bool land = false;          // --land (or merge.enabled): done stories go through the landing lane
  bool watch = false;         // stay up: take stories added or changed while running (Ctrl-C ends)
  double action_seconds = 60; // --dry-run: expected time per action
  std::optional<std::filesystem::path> batch_file;
  std::vector<std::string> nodes;                  // --node host:port (repeatable)
  bool no_local = false;                           // --no-local: stories run on nodes only
  std::optional<std::filesystem::path> token_file; // --token-file: the nodes' shared secret
  tls_files tls;                                   // --tls-cert/--tls-key/--tls-ca
};

// Exit code: 0 all done, 1 some failed or blocked, 130 interrupted (SIGINT/SIGTERM).
int run_stories(run_options opts, std::ostream& out);

} // namespace sdlc
