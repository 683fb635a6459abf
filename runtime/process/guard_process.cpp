#include "runtime/process/guard_process.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sdlc {

namespace {

std::vector<std::string> environment_without(const std::vector<std::string>& unset) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) env.push_back(std::move(entry));
  }
  return env;
}

// Returns once every holder of the other end is gone, with the lines it was
// told meanwhile.
std::vector<std::string> outlive_the_starter() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    std::signal(sig, SIG_IGN);
  std::string heard;
  char buf[512];
  for (;;) {
    auto n = ::read(0, buf, sizeof buf);
    if (n > 0) heard.append(buf, static_cast<std::size_t>(n));
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    break; // 0: every writer is gone; an error: nothing will come either
  }
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = heard.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(heard.substr(at, end - at)); // a line cut short by the kill is left out
  return lines;
}

} // namespace

bool is_guard_command_line(const std::string& command_line) {
  for (const char* command : {run_guard_command, node_guard_command})
    if (command_line.rfind(fmt::format("{} {} ", guard_program, command), 0) == 0) return true;
  return false;
}

guard_process::guard_process(const char* command, const std::filesystem::path& folder,
                             const std::vector<std::string>& unset) {
  int ends[2]; // [0] the guard's stdin, [1] ours
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
    throw failure(fmt::format("cannot start a guard: socketpair: {}", std::strerror(errno)));
  std::vector<std::string> args = {guard_program, command,
                                   std::filesystem::weakly_canonical(folder).string(),
                                   std::to_string(::getpid())};
  auto env = environment_without(unset);
  std::vector<char*> argv, envp;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, ends[0], 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  // Nothing else of ours: a socket or pipe the guard held would stay open
  // after we closed it (a node would not see its orchestrator go).
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none); // a run blocks its stop signals for sigwait
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  // /proc/self/exe: this very program, even if its file was replaced since.
  int rc = posix_spawn(&pid_, "/proc/self/exe", &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(ends[0]);
  if (rc != 0) {
    ::close(ends[1]);
    throw failure(fmt::format("cannot start a guard: {}", std::strerror(rc)));
  }
  lifeline_ = ends[1];
}

guard_process::~guard_process() {
  // Killed before the lifeline closes: a guard that saw it close would act.
  // Our child, not yet reaped: its pid cannot be anyone else's.
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(lifeline_);
}

void guard_process::tell(const std::string& line) const {
  const auto text = line + "\n";
  // A socket, not a pipe: a guard someone killed costs EPIPE, not SIGPIPE.
  if (::send(lifeline_, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
    // Nothing to do: the guard cannot be told, and we go on without it.
  }
}

std::unique_ptr<guard_process> start_guard(const char* command, const std::filesystem::path& folder,
                                           const std::vector<std::string>& unset,
                                           const std::string& left, std::ostream& warn) {
  try {
    return std::make_unique<guard_process>(command, folder, unset);
  } catch (const error& e) {
    warn << fmt::format("warning: {}; if this process is killed, {}\n", e.what(), left);
    return nullptr;
  }
}

int clean_up_after_the_starter(
    const std::filesystem::path& lock_path, const std::string& what,
    const std::function<int(const std::vector<std::string>& told)>& clean_up) {
  const auto told = outlive_the_starter();
  std::unique_ptr<file_lock> lock;
  try {
    lock = std::make_unique<file_lock>(lock_path, std::chrono::seconds(5), what);
  } catch (const error&) {
    return 0;
  }
  return clean_up(told);
}

} // namespace sdlc
