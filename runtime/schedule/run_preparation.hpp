#pragma once
// The first two steps of a `run`, before any actor exists: resolve it (config,
// batch file, nodes, how many at once) and prepare the board (the run lock,
// the plan, the preflight, leftovers cleaned up). actors/run_coordinator
// then spawns the run's actors and awaits them.
#include "runtime/remote/connection_timeout.hpp"
#include "runtime/remote/credentials.hpp"
#include "runtime/config/config.hpp"
#include "runtime/schedule/preflight.hpp"
#include "runtime/schedule/run_plan.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/workflow/action_type.hpp"
#include "runtime/workflow/run_guard.hpp"

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <variant>
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

// Which nodes a run uses and how it reaches them: remote.*, the batch
// file and --node, --no-local, --token-file, --tls-*.
struct node_plan {
  std::vector<std::string> nodes;
  bool local = true;
  std::string url;
  std::string token;
  tls_files tls;
  std::chrono::milliseconds connection_timeout = default_connection_timeout;
};

// Step 1: what the run is — config, batch file, nodes, how many at once.
struct run_setup {
  run_options opts;
  std::filesystem::path root;
  config cfg;
  node_plan nodes;
  int concurrency = 1;
};

// Throws bad_input naming the flag, key or file at fault.
run_setup resolve_run(run_options o);

// Step 2: the board made ready — the run lock (before anything reads the
// board for a run), the plan, the preflight, leftovers cleaned up.
struct prepared_run {
  std::unique_ptr<board> the_board;
  std::unique_ptr<file_lock> lock;
  std::unique_ptr<guard_process> guard; // after the lock: it goes first
  run_plan plan;
  preflight_outcome preflight;
  int unreadable_code = 0; // 2 when a story file could not be read
};

// The prepared run, or the exit code of a run that ends here (nothing to
// do, --dry-run, a step with nothing to run, the preflight said no).
std::variant<prepared_run, int> prepare_board(run_setup& s, std::ostream& out);

} // namespace sdlc
