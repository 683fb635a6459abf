#include "runtime/remote/node_agents.hpp"

#include "runtime/process/child_process.hpp"
#include "runtime/process/guard_process.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <ostream>

namespace sdlc {

node_agents::node_agents(std::filesystem::path workdir, log_fn log)
    : dir_(std::move(workdir) / "running"), log_(std::move(log)) {}

void node_agents::started(long pgid, const std::string& story) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  try {
    fs::atomic_write(dir_ / std::to_string(pgid), story);
  } catch (const std::exception& e) {
    log_(fmt::format("cannot record agent {}: {}", pgid, e.what()));
  }
}

void node_agents::ended(long pgid) {
  std::error_code ec;
  std::filesystem::remove(dir_ / std::to_string(pgid), ec);
}

void node_agents::stop_orphans() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    long pgid = std::atol(name.c_str());
    std::string story;
    try {
      story = fs::read_file(e.path(), 4096);
    } catch (const std::exception&) {
    }
    if (pgid > 0 && process_group_alive(static_cast<pid_t>(pgid)) &&
        is_agent_of_story(pgid, story)) {
      if (stop_process_group(static_cast<pid_t>(pgid), std::chrono::seconds(5)))
        log_(fmt::format("stopped agent process group {} ({}) left by a node that was killed", pgid,
                         story));
      else
        log_(fmt::format("agent process group {} ({}) left by a node that was killed does not "
                         "die after SIGKILL; stop it with kill -9 -{}",
                         pgid, story, pgid));
    }
    std::error_code rm;
    std::filesystem::remove(e.path(), rm);
  }
}

namespace {
std::filesystem::path node_lock_file(const std::filesystem::path& workdir) {
  return workdir / "node.lock";
}
} // namespace

std::unique_ptr<file_lock> hold_node_workdir(const std::filesystem::path& workdir) {
  const auto path = node_lock_file(workdir);
  if (auto lock = lock_past_a_guard(path, fmt::format("node workdir {}", workdir.string())))
    return lock;
  throw failure(fmt::format(
      "another node uses --workdir {}: {}. Give each node its own --workdir, or stop that node "
      "(lock file: {})",
      workdir.string(), describe_holder(file_lock::read_holder(path)), path.string()));
}

int guard_node(const std::filesystem::path& workdir, long node_pid, std::ostream& err) {
  return clean_up_after_the_starter(
      node_lock_file(workdir), "the node's workdir", [&](const std::vector<std::string>&) {
        node_agents(workdir, [&](const std::string& line) {
          err << fmt::format("sdlc-actors: node {} ended without stopping its agents; {}\n",
                             node_pid, line);
        }).stop_orphans();
        err.flush();
        return 0;
      });
}

} // namespace sdlc
