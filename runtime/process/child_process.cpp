#include "runtime/process/child_process.hpp"

#include "runtime/util/fs.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/reusable_threads.hpp"

#include <fmt/format.h>

#include <filesystem>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace sdlc {

namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

struct line_buffer {
  std::string pending;
  template <class F> void feed(const char* data, std::size_t n, F&& emit) {
    pending.append(data, n);
    std::size_t start = 0;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      emit(pending.substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  template <class F> void flush(F&& emit) {
    if (!pending.empty()) emit(std::move(pending));
    pending.clear();
  }
};

} // namespace

std::string process_exit::describe() const {
  if (signal != 0)
    return fmt::format("killed by signal {} ({}){}", signal, strsignal(signal),
                       killed_by_us ? ", by sdlc-actors" : "");
  return fmt::format("exited with code {}", exit_code);
}

bool kill_process_group(pid_t pgid) {
  if (pgid <= 1) return false;
  return ::kill(-pgid, SIGKILL) == 0;
}

bool process_group_alive(pid_t pgid) {
  if (pgid <= 1) return false;
  // kill(-pgid, 0) also succeeds for zombies; look at /proc for live members.
  DIR* proc = ::opendir("/proc");
  if (!proc) return ::kill(-pgid, 0) == 0;
  bool alive = false;
  while (auto* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    // fields after ')': state ppid pgrp ...
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 &&
        pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

bool stop_process_group(pid_t pgid, std::chrono::milliseconds patience) {
  kill_process_group(pgid);
  const auto until = std::chrono::steady_clock::now() + patience;
  while (process_group_alive(pgid)) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

child_process::child_process(const spawn_spec& spec, line_fn on_line, exit_fn on_exit)
    : on_line_(std::move(on_line)), on_exit_(std::move(on_exit)) {
  if (spec.argv.empty()) throw failure("cannot start a process without a program");
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw failure(fmt::format("pipe: {}", std::strerror(errno)));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw failure(fmt::format("pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(
      &fa, 0, spec.stdin_file.empty() ? "/dev/null" : spec.stdin_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none); // do not inherit our blocked signals
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env)
    if (k != "PWD" || spec.cwd.empty()) env_strings.push_back(k + "=" + v);
  // sh exports the folder it starts in as PWD (its physical path, when the
  // PWD it was given names another folder); a program started directly
  // there must see the same, not ours.
  if (!spec.cwd.empty()) {
    std::error_code ec;
    auto where = std::filesystem::canonical(spec.cwd, ec);
    env_strings.push_back("PWD=" + (ec ? std::filesystem::absolute(spec.cwd, ec) : where).string());
  }
  std::vector<char*> envp, argv;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawnp(&pid_, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    throw failure(fmt::format("cannot start '{}' in {}: {}", spec.argv[0], spec.cwd.string(),
                              std::strerror(rc)));
  }
  pidfd_ = pidfd_open(pid_);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  reader_done_ =
      reusable_threads::shared().run([this, o = out[0], e = err[0]] { read_loop(o, e); });
}

child_process::~child_process() {
  kill();
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (reader_done_.valid()) reader_done_.wait();
  if (pidfd_ >= 0) ::close(pidfd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void child_process::signal_group(int sig) {
  // Once the reader has reaped the leader and cleared the group, the pid may
  // be reused: never signal it again.
  if (pid_ <= 0 || exited_) return;
  ::kill(-pid_, sig);
}

void child_process::terminate() {
  killed_ = true;
  signal_group(SIGTERM);
}

void child_process::kill() {
  killed_ = true;
  signal_group(SIGKILL);
}

// One poll loop over the pipes, the pidfd and the wake fd, ~110 lines on
// purpose: its state (which pipe is open, whether the leader was reaped,
// whether a stop was asked) belongs to this one loop, and split into helpers
// it would be passed around by reference in every call.
void child_process::read_loop(int out_fd, int err_fd) {
  line_buffer bufs[2];
  int fds[2] = {out_fd, err_fd};
  bool open[2] = {true, true};
  bool leader_gone = false;
  process_exit result;
  auto emit_for = [&](int i) {
    return [&, i](std::string line) {
      if (on_line_) on_line_(std::move(line), i == 1);
    };
  };
  auto read_some = [&](int i) {
    char buf[65536];
    auto n = ::read(fds[i], buf, sizeof buf);
    if (n > 0) {
      bufs[i].feed(buf, static_cast<std::size_t>(n), emit_for(i));
    } else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      bufs[i].flush(emit_for(i));
      open[i] = false;
    }
  };
  auto reap = [&] {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
      result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      result.signal = WTERMSIG(status);
    leader_gone = true;
  };
  bool stop_requested = false;
  while (open[0] || open[1]) {
    pollfd p[4];
    int n = 0;
    int idx[2] = {-1, -1};
    for (int i = 0; i < 2; ++i)
      if (open[i]) {
        idx[i] = n;
        p[n++] = {fds[i], POLLIN, 0};
      }
    int pid_i = -1, wake_i = -1;
    if (!leader_gone && pidfd_ >= 0) {
      pid_i = n;
      p[n++] = {pidfd_, POLLIN, 0};
    }
    if (!stop_requested) {
      wake_i = n;
      p[n++] = {wake_fd_, POLLIN, 0};
    }
    int rc = ::poll(p, static_cast<nfds_t>(n), leader_gone ? 200 : (pidfd_ >= 0 ? -1 : 100));
    if (rc < 0 && errno == EINTR) continue;
    for (int i = 0; i < 2; ++i)
      if (idx[i] >= 0 && (p[idx[i]].revents & (POLLIN | POLLHUP | POLLERR))) read_some(i);
    if (wake_i >= 0 && (p[wake_i].revents & POLLIN)) {
      stop_requested = true;
      signal_group(SIGKILL);
    }
    bool exited_now = pid_i >= 0 && (p[pid_i].revents & POLLIN);
    if (pidfd_ < 0 && !leader_gone) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        if (WIFEXITED(status))
          result.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
          result.signal = WTERMSIG(status);
        leader_gone = true;
        exited_now = false;
        ::kill(-pid_, SIGKILL);
      }
    }
    if (exited_now) {
      // Drain what the leader already wrote, then clear out the group so a
      // background grandchild cannot hold the pipes open.
      for (int i = 0; i < 2; ++i) {
        int fl = ::fcntl(fds[i], F_GETFL);
        if (open[i] && fl >= 0) ::fcntl(fds[i], F_SETFL, fl | O_NONBLOCK);
      }
      for (int i = 0; i < 2; ++i)
        while (open[i]) {
          char buf[65536];
          auto r = ::read(fds[i], buf, sizeof buf);
          if (r > 0)
            bufs[i].feed(buf, static_cast<std::size_t>(r), emit_for(i));
          else if (r == 0) {
            bufs[i].flush(emit_for(i));
            open[i] = false;
          } else
            break; // EAGAIN: nothing more right now
        }
      ::kill(-pid_, SIGKILL);
      reap();
    }
    if (leader_gone && rc == 0) {
      // Pipes still open 200 ms after the group was killed: give up on them.
      for (int i = 0; i < 2; ++i)
        if (open[i]) {
          bufs[i].flush(emit_for(i));
          open[i] = false;
        }
    }
  }
  if (!leader_gone) {
    ::kill(-pid_, SIGKILL);
    reap();
  }
  ::kill(-pid_, SIGKILL); // stragglers that closed their pipes but live on
  ::close(out_fd);
  ::close(err_fd);
  exited_ = true;
  result.killed_by_us = killed_.load();
  if (on_exit_) on_exit_(result);
}

bool is_agent_of_story(long pid, const std::string& story_id) {
  std::string env;
  try {
    env = fs::read_file(fmt::format("/proc/{}/environ", pid), 1u << 20);
  } catch (const std::exception&) {
    return false;
  }
  auto needle = "SDLC_STORY_ID=" + story_id;
  for (std::size_t pos = 0; pos < env.size();) {
    auto end = env.find('\0', pos);
    if (env.compare(pos, (end == std::string::npos ? env.size() : end) - pos, needle) == 0)
      return true;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return false;
}

} // namespace sdlc
