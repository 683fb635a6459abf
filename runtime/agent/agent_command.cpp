#include "runtime/agent/agent_command.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/resources.hpp"
#include "runtime/process/shell_command.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include <random>

namespace sdlc {

bool claude_session_exists(const std::string& session_id, const std::filesystem::path& cwd) {
  const char* home = std::getenv("HOME");
  if (!home || session_id.empty()) return false;
  // Claude Code files a session under its working directory, every character
  // but [A-Za-z0-9] made '-', and `--resume` looks only there: a session kept
  // for another folder (another node's worktree) cannot be resumed here.
  auto project = cwd.string();
  for (auto& c : project)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  std::error_code ec;
  return std::filesystem::exists(
      std::filesystem::path(home) / ".claude" / "projects" / project / (session_id + ".jsonl"), ec);
}

bool should_resume(const std::string& action, const std::string& interrupted_action,
                   bool session_exists, bool command_agent) {
  if (command_agent || !session_exists || action != interrupted_action) return false;
  return action == "refine" || action == "research" || action == "plan" || action == "review";
}

std::string new_session_id() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull; // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFFull);
}

std::string render_prompt(const std::filesystem::path& sdlc_dir, const std::string& action,
                          const std::map<std::string, std::string>& values) {
  std::string tmpl;
  auto override_file = sdlc_dir / "prompts" / (action + ".md");
  if (std::filesystem::exists(override_file))
    tmpl = fs::read_file(override_file, 1u << 20);
  else
    tmpl = std::string(resources::get("config/prompts/" + action + ".md"));
  if (tmpl.empty())
    throw failure(fmt::format("no prompt template for action '{}' (looked in {} and the built-in "
                              "config/prompts/)",
                              action, override_file.string()));
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    auto close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) break;
    auto name = tmpl.substr(open + 2, close - open - 2);
    out += tmpl.substr(pos, open - pos);
    if (auto it = values.find(name); it != values.end())
      out += it->second;
    else
      out += tmpl.substr(open, close + 2 - open);
    pos = close + 2;
  }
  out += tmpl.substr(pos);
  return out;
}

spawn_spec build_agent_spawn(const agent_request& req, const config& cfg) {
  std::map<std::string, std::string> set = cfg.agent.env;
  if (!req.gateway_base.empty()) {
    set["ANTHROPIC_BASE_URL"] =
        fmt::format("{}/s/{}/{}", req.gateway_base, req.story_id, req.action);
    // The run's token proves the request comes from one of our agents.
    set["ANTHROPIC_CUSTOM_HEADERS"] = fmt::format("x-sdlc-token: {}", req.gateway_token);
  }
  set["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
  set[story_env] = req.story_id;
  if (!req.board_mark.empty()) set[board_env] = req.board_mark;
  set["SDLC_ACTION"] = req.action;
  set["SDLC_WORKTREE"] = req.cwd.string();
  // CLAUDECODE marks "running inside Claude Code"; a nested CLI refuses or
  // changes behaviour when it sees it.
  spawn_spec spec;
  spec.cwd = req.cwd;
  if (cfg.agent.command) {
    set["SDLC_PROMPT_FILE"] = req.prompt_file.string();
    if (req.max_budget_usd) set["SDLC_MAX_BUDGET_USD"] = fmt::format("{:.4f}", *req.max_budget_usd);
    spec.argv = command_argv(*cfg.agent.command, req.cwd.string());
  } else {
    spec.argv = {
        cfg.agent.claude_path, "-p",        req.prompt,          "--output-format",
        "stream-json",         "--verbose", "--permission-mode", cfg.agent.permission_mode};
    if (req.resume)
      spec.argv.insert(spec.argv.end(), {"--resume", req.session_id});
    else
      spec.argv.insert(spec.argv.end(), {"--session-id", req.session_id});
    if (cfg.agent.max_turns)
      spec.argv.insert(spec.argv.end(), {"--max-turns", std::to_string(*cfg.agent.max_turns)});
    if (req.max_budget_usd)
      spec.argv.insert(spec.argv.end(),
                       {"--max-budget-usd", fmt::format("{:.4f}", *req.max_budget_usd)});
    if (cfg.agent.model) spec.argv.insert(spec.argv.end(), {"--model", *cfg.agent.model});
    if (!cfg.agent.allowed_tools.empty()) {
      spec.argv.push_back("--allowedTools");
      for (const auto& t : cfg.agent.allowed_tools)
        spec.argv.push_back(t);
    }
  }
  spec.env = environment_with(set, {"CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"});
  return spec;
}

} // namespace sdlc
