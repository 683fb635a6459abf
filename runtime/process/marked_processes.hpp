#pragma once
// Finding processes by a mark in their environment. A run gives every process
// it starts for a story (the agent, the review's build and test commands) the
// board it works for and the story; a run killed with SIGKILL cannot stop
// them, and their process groups outlive it. The next run finds them by that
// mark in /proc, not by a pid it would have had to write down between the
// spawn and its death (leftover_agents).
#include <string>
#include <sys/types.h>
#include <vector>

namespace sdlc {

struct marked_process {
  pid_t pid = 0;
  pid_t pgid = 0;
  std::vector<std::string> environment; // NAME=value, as the process started
  // The value of `name` in its environment, or empty.
  std::string env(const std::string& name) const;
};

// Every process this user may read whose environment holds `name=value`,
// except this process, its ancestors and its own process group (a run
// started from inside an agent's shell must not stop that shell).
std::vector<marked_process> processes_marked(const std::string& name, const std::string& value);

} // namespace sdlc
