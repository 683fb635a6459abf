#pragma once
// A child process in its own process group, its stdout and stderr read line by
// line on a dedicated thread (never on an actor's scheduler thread), and an
// owner that kills the whole group on every exit path.
//
// The reader thread polls the pipes and a pidfd. When the child exits it drains
// what is already in the pipes, then kills the rest of the group (a background
// grandchild would otherwise hold the pipes open forever and outlive us), and
// reports the exit. Destroying the object kills the group and joins the thread.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include "runtime/util/environment.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <future>
#include <string>
#include <vector>

namespace sdlc {

struct spawn_spec {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  std::map<std::string, std::string> env; // the complete environment of the child
  std::filesystem::path stdin_file;       // what the child reads; empty: /dev/null
};

struct process_exit {
  int exit_code = -1; // when the child exited normally
  int signal = 0;     // when it was killed by a signal
  bool killed_by_us = false;
  std::string describe() const;
};

class child_process {
public:
  using line_fn = std::function<void(std::string line, bool from_stderr)>;
  using exit_fn = std::function<void(process_exit)>;

  // Spawns immediately. Throws sdlc::error if the program cannot be started.
  // Callbacks run on the reader thread; the exit callback runs last, once.
  child_process(const spawn_spec& spec, line_fn on_line, exit_fn on_exit);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  pid_t pgid() const { return pid_; } // the child leads its own group

  // SIGTERM / SIGKILL to the whole group. Safe to call at any time, repeatedly.
  void terminate();
  void kill();

private:
  void read_loop(int out_fd, int err_fd);
  void signal_group(int sig);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int wake_fd_ = -1; // eventfd: tells the reader to stop
  std::atomic<bool> exited_{false};
  std::atomic<bool> killed_{false};
  line_fn on_line_;
  exit_fn on_exit_;
  std::future<void> reader_done_; // read_loop on a reusable thread
};

// Kills every process of group `pgid` (SIGKILL); true if the group existed.
bool kill_process_group(pid_t pgid);
// Whether any process of group `pgid` is alive (zombies excluded).
bool process_group_alive(pid_t pgid);
// Kills group `pgid` and waits (up to `patience`) until none of it is alive:
// a killed thread finishes the system call it is in, so a write of an agent
// that is not our child can land after kill() returns. True once it is gone.
bool stop_process_group(pid_t pgid, std::chrono::milliseconds patience);
// True when `pid` runs an agent of this story (SDLC_STORY_ID in its
// environment): guards against killing an unrelated process that reused it.
bool is_agent_of_story(long pid, const std::string& story_id);

} // namespace sdlc
