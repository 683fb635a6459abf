#pragma once
// The agents running on a node, recorded on disk (<workdir>/running/<pgid>
// holds the story id), so that a node killed while they ran finds and stops
// them when it starts again.
#include <filesystem>
#include <functional>
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

} // namespace sdlc
