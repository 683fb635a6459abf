#include "runtime/remote/node_agents.hpp"

#include "runtime/process/child_process.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

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

} // namespace sdlc
