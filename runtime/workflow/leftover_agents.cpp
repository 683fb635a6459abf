#include "runtime/workflow/leftover_agents.hpp"

#include "runtime/agent/agent_command.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/process/marked_processes.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace sdlc {

std::string board_mark(const board& b) {
  return board_mark_of(b.sdlc_dir());
}

std::string board_mark_of(const std::filesystem::path& sdlc_dir) {
  // The host too: a worker node runs jobs of another machine's run, whose
  // board may have the same path as a board here.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::filesystem::weakly_canonical(sdlc_dir).string();
}

std::string stop_left_over_group(pid_t pgid, const std::string& who, const std::string& what) {
  if (!stop_process_group(pgid, std::chrono::seconds(5)))
    throw failure(fmt::format("{}: process group {} left by an interrupted run does not die after "
                              "SIGKILL; stop it (kill -9 -{}) and run again",
                              who, pgid, pgid));
  return fmt::format("{}: stopped {} process group {} left by an interrupted run", who, what, pgid);
}

std::vector<leftover_group> find_leftover_agents(const board& b) {
  return find_leftover_agents(board_mark(b));
}

std::vector<leftover_group> find_leftover_agents(const std::string& mark) {
  std::map<pid_t, leftover_group> groups; // by pgid: one note per group, in order
  for (const auto& p : processes_marked(board_env, mark)) {
    if (p.pgid <= 1 || groups.count(p.pgid)) continue;
    leftover_group g{p.pgid, p.env(story_env)};
    if (auto batch = p.env(landing_env); !batch.empty()) {
      g.what = "landing check";
      g.story.clear();
      for (char c : batch) // "S-1,S-2" -> "S-1, S-2"
        g.story += c == ',' ? std::string(", ") : std::string(1, c);
    }
    if (g.story.empty()) g.story = "(no story)";
    groups.emplace(p.pgid, std::move(g));
  }
  std::vector<leftover_group> out;
  for (auto& [pgid, g] : groups)
    out.push_back(std::move(g));
  return out;
}

std::vector<std::string> stop_leftover_agents(const board& b) {
  std::vector<std::string> notes;
  for (const auto& g : find_leftover_agents(b))
    notes.push_back(stop_left_over_group(g.pgid, g.story, g.what));
  return notes;
}

} // namespace sdlc
