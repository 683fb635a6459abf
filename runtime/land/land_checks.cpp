#include "runtime/land/land_checks.hpp"

#include "runtime/agent/agent_command.hpp"
#include "runtime/process/run_captured.hpp"
#include "runtime/util/environment.hpp"
#include "runtime/util/text.hpp"
#include "runtime/process/shell_command.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace {

std::optional<check_failure> run_one(const std::string& name, const std::string& command,
                                     std::chrono::milliseconds timeout,
                                     const std::filesystem::path& dir, const check_mark& mark) {
  spawn_spec spec;
  spec.argv = command_argv(command, dir.string());
  spec.cwd = dir;
  spec.env =
      environment_with({{board_env, mark.board}, {landing_env, mark.stories}}, {"CLAUDECODE"});
  auto r = run_captured(spec, timeout);
  if (r.ok()) return std::nullopt;
  return check_failure{name, command,
                       r.timed_out ? fmt::format("timed out after {} s", timeout.count() / 1000)
                                   : r.exit.describe(),
                       tail_of(r.combined, 4000)};
}

} // namespace

std::optional<check_failure> run_land_checks(const config& cfg, const std::filesystem::path& dir,
                                             const check_mark& mark) {
  if (cfg.build_command)
    if (auto f = run_one("build", *cfg.build_command, cfg.build_timeout, dir, mark)) return f;
  if (cfg.test_command)
    if (auto f = run_one("test", *cfg.test_command, cfg.test_timeout, dir, mark)) return f;
  return std::nullopt;
}

} // namespace sdlc
