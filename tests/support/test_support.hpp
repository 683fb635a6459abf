#pragma once
// Shared by the test executables: temp dirs, running real processes, and
// copying the real ai-sdlc corpus.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sdlc::test {

namespace stdfs = std::filesystem;

// Polls `ok` every 100 ms for up to `limit`, for what a live run does
// asynchronously: its timing is not what such a test checks (benchmarks do).
template <class F>
bool eventually(F ok, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(100)))
    if (ok()) return true;
  return ok();
}

// Whether `dir` is on ext4 (which has the folder flag of fs::spread_subfolders).
bool on_ext4(const stdfs::path& dir);

// A fresh directory removed when the object goes away.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  stdfs::path path;
};

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (no shell) with `cwd`, extra environment, stdin from /dev/null.
run_result run(const std::vector<std::string>& argv, const stdfs::path& cwd = ".",
               const std::map<std::string, std::string>& env = {});

// Starts argv[0] in the background: stdin /dev/null, stdout and stderr to
// `out` (or inherited when empty), the current environment plus `env`.
int spawn_background(const std::vector<std::string>& argv, const stdfs::path& cwd = {},
                     const std::map<std::string, std::string>& env = {},
                     const stdfs::path& out = {});
// The same without Boost.Test assertions, for threads other than the test's
// own (Boost.Test is not thread-safe): -1 when it cannot be started.
int spawn_quietly(const std::vector<std::string>& argv, const stdfs::path& cwd,
                  const std::map<std::string, std::string>& env, const stdfs::path& out);
// Waits for it: the exit code, or 128 + the signal.
int wait_exit(int pid);

// A background child that a failed REQUIRE must not leave running: killed
// (SIGKILL) and reaped on destruction unless wait() reaped it already.
class child_guard {
public:
  explicit child_guard(int pid) : pid_(pid) {}
  child_guard(const child_guard&) = delete;
  child_guard& operator=(const child_guard&) = delete;
  ~child_guard();
  int pid() const { return pid_; }
  int wait(); // wait_exit, once
  // SIGKILL, then waits for the process and for its guard to finish cleaning up.
  void kill_and_let_its_guard_finish();
  // The exit code if it ends within `limit`, else nullopt (still running).
  std::optional<int> wait_for(std::chrono::milliseconds limit);

private:
  int pid_;
};

// Runs the sdlc-actors binary in `project`.
run_result sdlc(const stdfs::path& project, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {});

std::string read(const stdfs::path& p);
void write(const stdfs::path& p, const std::string& content);
// The file's inode number (0 when it is missing): a file replaced or made
// anew has another one.
unsigned long inode_of(const stdfs::path& p);

// Copies ../shared/corpus/ai-sdlc into `dest` (writable). Fails the test when
// the corpus is missing: no silent skip.
stdfs::path copy_corpus(const stdfs::path& dest);

// The real ai-sdlc executable (../shared/peers/build-ai-sdlc: built on first
// use, then cached under $HOME/.cache). Fails the test, never skips, when it
// cannot be had (no node/npm, no registry).
std::string ai_sdlc();

// One attempt at building it with `env` added (a test points the cache and
// the npm registry elsewhere): the executable, or the message ai_sdlc() fails
// the test with.
struct peer_build {
  std::string executable; // empty on failure
  std::string message;
};
peer_build build_ai_sdlc(const std::map<std::string, std::string>& env = {});

// Every file below `dir` with its content, for "nothing was modified" checks.
std::map<std::string, std::string> snapshot(const stdfs::path& dir);

// A minimal board with the given story files (name -> content) under stories/<name>/story.md.
void make_board(const stdfs::path& project, const std::map<std::string, std::string>& stories);

// A well-formed story text.
std::string story_text(const std::string& id, const std::string& status = "ready",
                       const std::string& extra = "", const std::string& body = "# Body\n");

// A git repository with one commit (README.md), made with the git CLI.
void make_git_repo(const stdfs::path& dir);

// A git project at `repo` with a board (`init`) whose agent is the shell
// script `script`, written to `script_file` (outside the repository).
void make_command_agent_board(const stdfs::path& repo, const stdfs::path& script_file,
                              const std::string& script,
                              const std::map<std::string, std::string>& env);
// `git -C dir args...`; fails the test on a non-zero exit. Returns stdout.
std::string git(const stdfs::path& dir, const std::vector<std::string>& args);

// The stub-api stand-in, started on a free loopback port with `script` (YAML).
class stub_api {
public:
  // `host`: the address to bind (another than loopback for network namespaces).
  explicit stub_api(const std::string& script, const stdfs::path& workdir,
                    const std::string& host = "127.0.0.1");
  ~stub_api();
  stub_api(const stub_api&) = delete;
  stub_api& operator=(const stub_api&) = delete;
  int port() const { return port_; }
  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  std::string stats() const; // JSON text of GET /_stub/stats
  stdfs::path log_file() const { return log_; }

private:
  int pid_ = -1;
  int port_ = 0;
  std::string host_;
  stdfs::path log_;
};

// Pids of live processes whose environment contains `needle` (e.g. a unique key).
std::vector<long> processes_with_env(const std::string& needle);
// True once no such process is left, waiting up to 3 s: a SIGKILLed process
// group takes a moment to go after the kill returns (longer under sanitizers).
bool none_alive_with_env(const std::string& needle);
// SIGKILLs run (or land, or node) `pid` and its guard together — as `kill -9 -<group>`
// or a kill of everything would — so that what it started is left for the
// next run to find. Returns how many guards it killed (one for a live run).
int kill_with_its_guard(int pid);
// The guards (run-guard, node-guard) that process `pid` started.
std::vector<int> guards_of(int pid);
// SIGKILLs `pid` (a cleanup, not a test of a kill), waits for it, then until
// its guard has stopped what it started and is gone.
void kill_and_let_its_guard_finish(int pid);

} // namespace sdlc::test
