#pragma once
// Per-story checkpoint file, stories/<ID>/.workflow-state.json, in ai-sdlc's
// v1.0 shape: {version, workflowId, timestamp, currentAction,
// completedActions: [{type, storyId, storyPath, completedAt}], context}.
// Fields we do not know are kept as they were.
#include "runtime/api/sse_parser.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

class board;

// The action a run started and has not finished, as its checkpoint recorded
// it (ai-sdlc's `currentAction`, with our fields).
struct current_action {
  std::string type;        // the action, as ai-sdlc names it
  std::optional<long> pid; // its agent's process group, in an older checkpoint
  std::string session_id;  // the Claude session it runs in
  std::string worktree;
  std::string base_commit; // implement/rework: the worktree's HEAD when it started
  // Attempts of this action that failed (ours: `failedAttempts`). Kept across
  // runs, so a bare `run` (one step) counts them as `run --auto` does.
  int failed_attempts = 0;
  bool failed = false; // the last attempt ended in a failure, not a kill
};

// "research (1 of 4 attempts)": a failed action and how many of the
// `allowed` attempts it has used (its name alone once unblock reset them).
std::string failed_attempts_text(const current_action& a, int allowed);

class workflow_state {
public:
  static workflow_state fresh(const std::string& story_id);
  static std::filesystem::path file_in(const std::filesystem::path& story_dir);

  // nullopt when there is no state file. A file that is not valid JSON or not
  // the v1.0 shape is an error naming it.
  static std::optional<workflow_state> load(const std::filesystem::path& story_dir);
  void save(const std::filesystem::path& story_dir);

  std::optional<current_action> interrupted() const;
  std::vector<std::string> completed_actions() const;
  std::optional<std::string> content_hash() const;

  // A new attempt of the current action keeps its count of failed attempts.
  void start_action(const std::string& type, const std::string& story_id,
                    const std::filesystem::path& story_file);
  // The current action failed; returns its failed attempts, this one counted.
  int record_failure(const std::string& type, const std::string& story_id,
                     const std::filesystem::path& story_file, const std::string& error);
  void complete_action(const std::string& type, const std::string& story_id,
                       const std::filesystem::path& story_file);
  void set_content_hash(const std::string& hash);
  // API usage and cost, per action and in total, over every run of the story:
  // {"usage": {"total": {...}, "actions": {"refine": {...}}}} (ours; ai-sdlc
  // keeps fields it does not know).
  void add_usage(const std::string& action, const api_usage& u);
  api_usage usage_total() const;
  api_usage usage_of(const std::string& action) const;
  // What the running action runs in (before its agent starts).
  void record_session(const std::string& session_id, const std::string& worktree,
                      const std::string& base_commit);
  // A checkpoint written before 2026-12-04 may name its agent's process
  // (pid == pgid); now a run finds them by their environment
  // (leftover_agents). Cleanup forgets a dead one: the action stays
  // interrupted.
  void forget_process();
  // `unblock --reset-retries`: the current action's failed attempts start at
  // zero again (it still ran and failed: it starts a fresh session).
  void forget_failed_attempts();

  const nlohmann::ordered_json& json() const { return doc_; }

private:
  nlohmann::ordered_json doc_;
};

// ai-sdlc once kept one global .ai-sdlc/.workflow-state.json. Moves it into the
// story it names (unless that story already has its own state) and renames the
// old file to .workflow-state.json.migrated. Returns the story id, if moved.
std::optional<std::string> migrate_legacy_workflow_state(const board& b);

} // namespace sdlc
