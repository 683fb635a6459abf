#pragma once
// The agents running on a node, recorded on disk (<workdir>/running/<pgid>
// holds the story id), so that a node killed while they ran finds and stops
// them when it starts again — or sooner, its guard (runtime/process/
// guard_process) the moment it dies.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace sdlc {

class node_agents {
public:
  using log_fn = std::function<void(const std::string&)>;
  node_agents(std::filesystem::path workdir, log_fn log);

  void started(long pgid, const std::string& story);
  void ended(long pgid);
  // Agents a killed node left behind: stopped (checked against the story id
  // in their environment: pids get reused), their records removed.
  void stop_orphans();

private:
  std::filesystem::path dir_;
  log_fn log_;
};

class file_lock;

// One node per workdir (<workdir>/node.lock, for the node's life): a second
// one would take the first's agents for orphans and stop them. Waits for a
// killed node's guard; throws sdlc::failure naming a live holder.
std::unique_ptr<file_lock> hold_node_workdir(const std::filesystem::path& workdir);

// The node's guard (`sdlc-actors node-guard <workdir> <node pid>`): once the
// node is gone, stops the agents it recorded, as a restarted node would.
int guard_node(const std::filesystem::path& workdir, long node_pid, std::ostream& err);

} // namespace sdlc
