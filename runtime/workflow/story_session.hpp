#pragma once
// Everything the workflow does for one story between agent runs, as plain
// code: deciding the next action, preparing an agent request (prompt,
// checkpoint, worktree), applying a finished action to the story under its
// lock, committing the worktree, and the per-story log. The story actor only
// sequences these calls around the asynchronous agent runs.
#include "runtime/agent/agent_command.hpp"
#include "runtime/api/budget.hpp"
#include "runtime/api/sse_parser.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/util/redact.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/story_cache.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sdlc {

struct session_options {
  bool use_worktree = false;
  bool force = false; // allow a dirty main checkout
  std::string gateway_base;
  std::string gateway_token;
  // The gateway's usage so far for (story, action), to charge each action
  // what it cost; unset: the agent's own report is used.
  std::function<api_usage(const std::string&, const std::string&)> usage_of;
  budget_limits budget;
  // Epoch ms until which the gateway parked the API (0: not parked).
  std::function<int64_t()> parked_until;
  // Step mode (ai-sdlc's run without --auto): agent actions this run may
  // start for the story (0: its whole workflow), and the one its first must be.
  int max_actions = 0;
  std::optional<action_type> only_action;
  // A done story's worktree goes (its branch stays): a concurrent run without
  // --keep-worktrees and without a landing lane (which needs the worktree).
  bool drop_worktree_when_done = false;
  // The run re-checks conflicts after implement/rework against this branch:
  // the story reports its changed files with action_finished.
  std::optional<std::string> conflict_base;
};

struct review_check {
  std::string name; // build | test
  spawn_spec spec;
  std::chrono::milliseconds timeout{0};
};

class story_session {
public:
  story_session(board b, std::string story_id, session_options opts);
  // Removes the story's lock file that the session's writes kept.
  ~story_session();
  story_session(const story_session&) = delete;
  story_session& operator=(const story_session&) = delete;

  const std::string& id() const { return id_; }
  const std::filesystem::path& cwd() const { return cwd_; }
  const std::filesystem::path& log_file() const { return log_path_; }
  const board& the_board() const { return board_; }

  void log(const std::string& who, const std::string& line);
  // The story as it is on disk now.
  story current() const { return load(); }

  // Once per run, before the first action: sweeps an agent left running by an
  // interrupted run, notes a story edited since its checkpoint, and prepares
  // the worktree. Returns notes worth printing.
  std::vector<std::string> begin();

  decision next();

  // Renders the prompt and records the action as started (with its session id)
  // before anything is spawned.
  agent_request prepare_agent(action_type a);
  void record_agent_process(long pid);

  std::vector<review_check> review_checks() const;
  void record_check_result(const std::string& name, bool passed, const std::string& output);
  // After the checks: true when they all passed (the review may call the agent).
  bool checks_passed() const { return checks_failed_.empty(); }
  // The checks failed: REJECTED without an agent call.
  void reject_for_checks();

  // A finished action's text (the agent's answer); applies its effects.
  // Throws sdlc::error when the answer is unusable (e.g. no review decision).
  void complete(action_type a, const std::string& text);
  // A failed attempt. Returns true when the story was blocked (attempts spent).
  bool fail(action_type a, const std::string& error);
  // What an action cost, added to the story's state (and its log).
  void record_usage(action_type a, const api_usage& u);
  // Cost of the story so far, over every run.
  double cost_so_far() const;
  // The story may not go on (budget): blocked with the reason.
  void block_for(const std::string& reason);
  // An attempt that does not count as a failure (parked until the API's limit
  // resets): its uncommitted edits are discarded so the redo applies once.
  void abandon(action_type a, const std::string& why);
  // The commit message after implement or rework (a node commits with it),
  // and how its subject starts (what a resume recognises its commit by).
  std::string commit_message(action_type a) const;
  std::string commit_subject_prefix(action_type a) const;
  // A node committed the action's work and the orchestrator fetched it into
  // the story's worktree: complete() records it instead of committing.
  void adopt_remote_commit(const std::string& sha, const std::string& node);
  // Actions that need no agent: block, move_to_done, create_pr.
  void run_inline(const decision& d);
  // The story is done: its worktree goes when the run asked for that. Returns
  // why it stays when it could not go (a note for the run; nothing fails).
  std::optional<std::string> drop_worktree_if_done();

private:
  std::optional<workflow_state> load_checkpoint(const story& s, std::vector<std::string>& notes);
  bool resume_interrupted(const workflow_state& state, const story& s,
                          std::vector<std::string>& notes);
  bool prepare_worktree(const story& s, const std::optional<workflow_state>& state,
                        bool interrupted_edit, std::vector<std::string>& notes);
  // An interrupted implement/rework whose commit is on the branch already.
  bool edit_committed_before_interruption(const workflow_state& state) const;
  void checkpoint_start(action_type a, const std::string& session_id);
  void checkpoint_done(action_type a);
  int checkpoint_failure(action_type a, const std::string& error);
  std::string content_hash() const;

  board board_;
  story load() const { return cache_.load(file_); }
  // The lock file stays between the session's writes (seven a story): a new
  // inode and a deletion each was an eighth of a story's file-system cost. Not
  // when the agent works in the main checkout, where its `git add -A` could
  // commit the file, and not once the story is at rest (story_session.cpp).
  story update(const std::function<void(story&)>& change);
  mutable story_cache cache_; // the story's last bytes, parsed once

  std::string id_;
  std::filesystem::path file_; // located once: a board scan per access is O(board)
  session_options opts_;
  std::filesystem::path cwd_;
  void open_log();

  std::filesystem::path log_path_;
  std::ofstream log_;
  std::uintmax_t log_bytes_ = 0; // written to log_path_ by this session
  std::vector<std::pair<std::string, std::string>> check_results_; // name -> summary
  std::vector<std::string> checks_failed_;
  std::string remote_commit_; // set by adopt_remote_commit, used once by complete()
  redactor redact_;           // every text from an agent passes it before it is written
  std::string board_mark_;    // SDLC_BOARD of every process started for the story
};

} // namespace sdlc
