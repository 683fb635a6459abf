#include "runtime/land/land_checks.hpp"

#include "runtime/process/child_process.hpp"
#include "runtime/util/environment.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <future>
#include <mutex>

namespace sdlc {

namespace {

std::optional<check_failure> run_one(const std::string& name, const std::string& command,
                                     std::chrono::milliseconds timeout,
                                     const std::filesystem::path& dir) {
  spawn_spec spec;
  spec.argv = {"/bin/sh", "-c", command};
  spec.cwd = dir;
  spec.env = environment_with({}, {"CLAUDECODE"});
  std::mutex m;
  std::string output;
  std::promise<process_exit> done;
  auto exited = done.get_future();
  child_process child(
      spec,
      [&](std::string line, bool) {
        std::lock_guard<std::mutex> lock(m);
        output += line + "\n";
      },
      [&](process_exit e) { done.set_value(e); });
  bool timed_out = timeout.count() > 0 && exited.wait_for(timeout) == std::future_status::timeout;
  if (timed_out) child.kill();
  auto e = exited.get();
  if (!timed_out && e.exit_code == 0 && e.signal == 0) return std::nullopt;
  std::lock_guard<std::mutex> lock(m);
  return check_failure{name, command,
                       timed_out ? fmt::format("timed out after {} s", timeout.count() / 1000)
                                 : e.describe(),
                       tail_of(output, 4000)};
}

} // namespace

std::optional<check_failure> run_land_checks(const config& cfg, const std::filesystem::path& dir) {
  if (cfg.build_command)
    if (auto f = run_one("build", *cfg.build_command, cfg.build_timeout, dir)) return f;
  if (cfg.test_command)
    if (auto f = run_one("test", *cfg.test_command, cfg.test_timeout, dir)) return f;
  return std::nullopt;
}

} // namespace sdlc
