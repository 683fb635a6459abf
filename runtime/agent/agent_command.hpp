#pragma once
// How an agent process is started for one action: Claude Code headless
// (DESIGN.md "The agent") or a generic command agent (`agent.command`).
#include "runtime/config/config.hpp"
#include "runtime/process/child_process.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

// Marks every process a run starts for a story with the story's id.
inline constexpr char story_env[] = "SDLC_STORY_ID";
// Marks every process a run starts for a story with the board it works for
// (runtime/workflow/leftover_agents finds a killed run's processes by it).
inline constexpr char board_env[] = "SDLC_BOARD";
// Marks the landing lane's build and test commands instead of story_env:
// the stories of the batch they test, comma-separated.
inline constexpr char landing_env[] = "SDLC_LANDING";
// The three marks together: a process that carries none of them is no agent
// of ours (a guard started from an agent's shell must not pass for it).
inline constexpr const char* agent_mark_envs[] = {story_env, board_env, landing_env};

struct agent_request {
  std::string story_id;
  std::string board_mark; // SDLC_BOARD: "<host>:<the board's folder>"
  std::string action;
  std::string prompt;
  std::filesystem::path cwd;         // the story's worktree (or the project)
  std::filesystem::path prompt_file; // where the prompt is written for command agents
  std::string session_id;            // chosen and recorded before the spawn
  bool resume = false;               // --resume <session_id> instead of --session-id
  std::string gateway_base;          // http://127.0.0.1:PORT, empty: no gateway
  std::string gateway_token;
  std::optional<double> max_budget_usd; // the story's budget left (limits.maxCostUsd.story)
};

spawn_spec build_agent_spawn(const agent_request& req, const config& cfg);

// A random RFC 4122 version 4 UUID (Claude Code session ids).
std::string new_session_id();

// Whether Claude Code kept a session with this id for `cwd`
// ($HOME/.claude/projects/<cwd, munged>/<id>.jsonl), so that `--resume <id>`
// run in `cwd` can continue it.
bool claude_session_exists(const std::string& session_id, const std::filesystem::path& cwd);

// An interrupted action resumes its Claude session only when redoing it from
// the story as it is cannot double its effect and the session is there:
// refine, research, plan and review (their effect is applied once, when they
// complete). Implement and rework restart from the last commit instead — their
// uncommitted edits were discarded, which a resumed session would not know.
bool should_resume(const std::string& action, const std::string& interrupted_action,
                   bool session_exists, bool command_agent);

// The prompt for `action`: .ai-sdlc/prompts/<action>.md when the project has
// one, else config/prompts/<action>.md (compiled in); {{name}} placeholders are
// replaced from `values`, unknown ones are left as they are.
std::string render_prompt(const std::filesystem::path& sdlc_dir, const std::string& action,
                          const std::map<std::string, std::string>& values);

} // namespace sdlc
