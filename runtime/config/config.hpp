#pragma once
// Project configuration: config/defaults.yaml (compiled in), then the
// project's .ai-sdlc.json or .ai-sdlc.yaml, then environment overrides.
// Every key is checked against the defaults: unknown keys and wrong types are
// errors naming the file (or variable) and the key path.
#include "runtime/config/settings.hpp"
#include "runtime/util/environment.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

using env_map = env_vars;

// Copy freely, but do not assign one `tree` to another: YAML::Node assignment
// rebinds the shared node (use Node::reset).
struct config {
  YAML::Node tree;            // the merged configuration, for `config` and later lookups
  std::filesystem::path file; // the project's config file; empty when there is none
  std::filesystem::path root; // the project it was loaded for
  // Said once by the command that loaded it (stderr), never an error: e.g.
  // which of two config files is used.
  std::vector<std::string> warnings;
  // ai-sdlc settings in the project's file that sdlc-actors does not act on
  // (said once per run, and by `config --check`).
  std::vector<std::string> not_acted_on;

  std::string sdlc_folder;
  std::chrono::milliseconds lock_timeout{5000};
  int review_max_retries = 3;
  int implementation_max_retries = 3;
  int refinement_max_iterations = 3;
  std::chrono::milliseconds agent_timeout{600000};
  std::chrono::milliseconds idle_timeout{300000};
  std::chrono::milliseconds result_grace{3000};
  std::chrono::milliseconds build_timeout{120000};
  std::chrono::milliseconds test_timeout{300000};

  struct agent_settings {
    std::optional<std::string> command; // generic command agent instead of Claude Code
    std::string claude_path = "claude";
    std::optional<std::string> model;
    std::optional<long> max_turns;
    std::vector<std::string> allowed_tools;
    std::string permission_mode = "acceptEdits";
    std::map<std::string, std::string> env;
  } agent;
  std::string ai_provider = "claude"; // ai.provider (ai-sdlc's): only claude is run
  std::optional<std::string> api_base_url;
  std::optional<std::string> test_command;
  std::optional<std::string> build_command;
  bool worktree_enabled = false;
  std::string worktree_base_path;
  worktree_limits worktrees;
  std::vector<std::string> default_labels;
  int action_retries = 3;             // retry.maxRetries: a failed action is tried again this often
  bool auto_create_pr = false;        // reviewConfig.autoCreatePROnApproval
  bool require_plan_approval = false; // stageGates.requireApprovalBeforeImplementation
  bool auto_complete = true;          // reviewConfig.autoCompleteOnApproval
  bool require_pr_approval = false;   // stageGates.requireApprovalBeforePR
  // merge.*: the landing lane (docs/landing.md). Names and defaults are ai-sdlc's
  // where it has the key; batchSize, target and remote are ours.
  struct merge_settings {
    bool enabled = false;              // merge.enabled (or stageGates.autoMergeOnApproval)
    std::string strategy = "squash";   // squash | merge | rebase
    int batch_size = 8;                // stories the local lane tests together
    std::string target = "auto";       // auto (github when the remote is), local, github
    std::optional<std::string> remote; // the base is pushed here after landing; PRs push here
    bool delete_branch = true;         // deleteBranchAfterMerge (gh pr merge --delete-branch)
    std::chrono::milliseconds checks_timeout{600000};
    std::chrono::milliseconds checks_poll{10000};
    bool require_all_checks = true; // requireAllChecksPassing
  } merge;
  std::optional<bool> draft_prs; // github.createDraftPRs
  bool auto_restart = true;      // reviewConfig.autoRestartOnRejection
  int max_concurrent = 8;        // limits.maxConcurrent
  // daemon.pollingInterval: run --watch looks at the board this often.
  std::chrono::milliseconds watch_every{5000};
  int log_max_files = 5;         // logging.maxFiles: run logs kept per story
  int keep_runs = 50;            // report.keepRuns: run journals kept
  struct notification_settings { // notification.* (docs/notifications.md)
    bool enabled = true;
    std::vector<std::string> channels{"console"};
    std::string file_path = "notifications.log"; // under the board folder, as in ai-sdlc
    std::optional<std::string> command;
    std::optional<std::string> webhook_url;
    std::chrono::milliseconds timeout{5000};
    std::vector<std::string> events; // the kinds sent (runtime/notify/notification)
    bool uses(const std::string& channel) const;
  } notification;
  std::uintmax_t log_max_bytes = 10u << 20; // logging.maxFileSizeMb: then a new log file
  struct epic_settings {                    // epic.*: what `run --epic` does (ai-sdlc's meaning)
    int max_concurrent = 3;
    bool keep_worktrees = false;
    bool continue_on_failure = true;
  } epic;
  conflict_policy conflicts = conflict_policy::serialize;
  std::chrono::milliseconds shutdown_grace{30000}; // Ctrl-C once: running actions get this long
  supervision_settings supervision;
  remote_config remote;
};

// Loads the configuration of the project rooted at `project_root`.
config load_config(const std::filesystem::path& project_root, const env_map& env);

// The project's config file if one exists (.ai-sdlc.json wins over .ai-sdlc.yaml).
std::optional<std::filesystem::path> find_config_file(const std::filesystem::path& project_root);

// `config <key> <value>`: validates and writes one key into the project's
// config file (creating .ai-sdlc.json if there is none). `value` is read as
// the key's type reads it (config_schema::value_from_text): a string keeps
// exactly what was typed; `5`, `true`, `[a, b]` where the key wants those.
// nullopt (`config --unset KEY`): the key leaves the file, its default applies.
std::filesystem::path set_config_value(const std::filesystem::path& project_root,
                                       const std::string& key,
                                       const std::optional<std::string>& value);

// Validates `overrides` (a map shaped like the config) against the defaults,
// naming `origin` in errors, and applies it over `cfg`.
void apply_config_overrides(config& cfg, const YAML::Node& overrides, const std::string& origin);

// The value at a dotted path ("reviewConfig.maxRetries"), or an undefined node.
YAML::Node lookup(const YAML::Node& tree, const std::string& dotted_key);

} // namespace sdlc
