#pragma once
// A process of ours that outlives us by a moment, to clean up after us when
// we cannot: SIGKILL, the OOM killer or a crash end a process without running
// any of its code. The guard is this same program (`sdlc-actors <command>
// <folder> <our pid>`), its stdin one end of a socket pair whose other end
// only we hold — close-on-exec, so nothing we start inherits it. Its closing
// is the message; before that we may tell the guard a line of what it will
// need (where a run's journal is). Ending by our own hand, we kill and reap
// the guard first; when the kernel ends us, our end closes with us and the
// guard does its work (runtime/workflow/run_guard: a run's agents and
// journal; runtime/remote/node_agents: a node's agents).
//
// The guard stays in our process group and ignores SIGINT, SIGTERM, SIGHUP and
// SIGQUIT: Ctrl-C or a closed terminal reach both, and we then stop what we
// started ourselves, and the guard with it. `kill -9 -<group>` ends both.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sdlc {

// A guard's command line is `sdlc-actors <command> <folder> <pid>` (argv[0]
// is ours to choose), so a lock file names it so; no person's starts so.
inline constexpr char guard_program[] = "sdlc-actors";
inline constexpr char run_guard_command[] = "run-guard";
inline constexpr char node_guard_command[] = "node-guard";
// Whether a lock file's command line (lock_holder::command) is a guard's.
bool is_guard_command_line(const std::string& command_line);

class guard_process {
public:
  // Starts `sdlc-actors <command> <folder> <this pid>`, with our environment
  // less the variables named in `unset` (marks the guard must not carry).
  // Throws sdlc::failure when it cannot.
  guard_process(const char* command, const std::filesystem::path& folder,
                const std::vector<std::string>& unset);
  ~guard_process(); // we end by our own hand: the guard goes without acting
  guard_process(const guard_process&) = delete;
  guard_process& operator=(const guard_process&) = delete;
  pid_t pid() const { return pid_; }
  // Tells the guard one line (no newline in it), for its work after we are
  // gone. Never blocks and never fails us: a guard that is gone hears nothing.
  void tell(const std::string& line) const;

private:
  pid_t pid_ = -1;
  int lifeline_ = -1; // our end of the socket pair
};

// A guard, or none with a warning on `warn` naming what a kill would leave
// (`left`): whoever starts one works without it.
std::unique_ptr<guard_process> start_guard(const char* command, const std::filesystem::path& folder,
                                           const std::vector<std::string>& unset,
                                           const std::string& left, std::ostream& warn);

// The guard's side, whole: ignores the stop signals, waits until stdin (the
// lifeline) closes — whoever started it is gone — then takes the starter's
// lock file (`lock_path`, `what` it guards) and runs `clean_up` with the lines
// it was told, returning its exit code. Whoever takes that lock first (a new
// run, a node started again) cleans up itself: after 5 s without the lock,
// returns 0 without acting.
int clean_up_after_the_starter(
    const std::filesystem::path& lock_path, const std::string& what,
    const std::function<int(const std::vector<std::string>& told)>& clean_up);

} // namespace sdlc
