#include "test_support.hpp"

#include "runtime/process/guard_process.hpp"
#include "runtime/util/file_lock.hpp"

#include <cstdio>
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <spawn.h>
#include <sstream>
#include <thread>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sdlc::test {

bool on_ext4(const stdfs::path& dir) {
  constexpr long ext4_magic = 0xEF53; // linux/magic.h
  struct statfs st {};
  return ::statfs(dir.c_str(), &st) == 0 && st.f_type == ext4_magic;
}

temp_dir::temp_dir() {
  std::random_device rd;
  path = stdfs::temp_directory_path() /
         ("sdlc-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  stdfs::create_directories(path);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  // SDLC_TEST_KEEP=1 keeps the folder to look into a failure afterwards.
  if (const char* keep = std::getenv("SDLC_TEST_KEEP"); keep && *keep == '1') {
    std::fprintf(stderr, "kept %s\n", path.c_str());
    return;
  }
  stdfs::permissions(path, stdfs::perms::owner_all, stdfs::perm_options::add, ec);
  // A process the test let go may still write here for a moment (a guard
  // taking its lock): a removal that met a new file is tried again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    stdfs::remove_all(path, ec);
    if (!ec && !stdfs::exists(path, ec)) return;
    usleep(100000);
  }
}

std::string read(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const stdfs::path& p, const std::string& content) {
  stdfs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

unsigned long inode_of(const stdfs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

run_result run(const std::vector<std::string>& argv, const stdfs::path& cwd,
               const std::map<std::string, std::string>& env) {
  temp_dir io;
  auto out_file = io.path / "out", err_file = io.path / "err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env)
    merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy)
    args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  BOOST_REQUIRE_MESSAGE(rc == 0, "cannot spawn " << argv[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read(out_file);
  r.err = read(err_file);
  return r;
}

int spawn_background(const std::vector<std::string>& argv, const stdfs::path& cwd,
                     const std::map<std::string, std::string>& env, const stdfs::path& out) {
  int pid = spawn_quietly(argv, cwd, env, out);
  BOOST_REQUIRE_MESSAGE(pid > 0, "cannot spawn " << argv[0]);
  return pid;
}

int spawn_quietly(const std::vector<std::string>& argv, const stdfs::path& cwd,
                  const std::map<std::string, std::string>& env, const stdfs::path& out) {
  std::vector<std::string> args_s = argv, env_s;
  // An entry of `env` replaces the inherited one (getenv finds the first).
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (!env.count(entry.substr(0, entry.find('=')))) env_s.push_back(entry);
  }
  for (const auto& [k, v] : env)
    env_s.push_back(k + "=" + v);
  std::vector<char*> args, envp;
  for (auto& a : args_s)
    args.push_back(a.data());
  args.push_back(nullptr);
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (!out.empty()) {
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  }
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

int wait_exit(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

child_guard::~child_guard() {
  if (pid_ > 0) test::kill_and_let_its_guard_finish(pid_);
}

std::optional<int> child_guard::wait_for(std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void child_guard::kill_and_let_its_guard_finish() {
  test::kill_and_let_its_guard_finish(pid_);
  pid_ = -1;
}

int child_guard::wait() {
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

run_result sdlc(const stdfs::path& project, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {SDLC_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  auto e = env;
  e.emplace("NO_COLOR", "1");
  return run(argv, project, e);
}

peer_build build_ai_sdlc(const std::map<std::string, std::string>& env) {
  auto r = run({std::string(SDLC_PEERS_DIR) + "/build-ai-sdlc"}, ".", env);
  if (r.exit_code != 0)
    return {"", "building the real ai-sdlc (../shared/peers/build-ai-sdlc) failed — it needs "
                "node, npm and the npm registry (tools/bootstrap installs node; CI caches the "
                "build in $HOME/.cache/sdlc-peers):\n" +
                    r.err};
  auto path = r.out.substr(0, r.out.find('\n'));
  if (!stdfs::exists(path)) return {"", "build-ai-sdlc printed no executable: " + r.out};
  return {path, ""};
}

std::string ai_sdlc() {
  static std::string path;
  if (!path.empty()) return path;
  auto built = build_ai_sdlc();
  BOOST_REQUIRE_MESSAGE(!built.executable.empty(), built.message);
  path = built.executable;
  return path;
}

stdfs::path copy_corpus(const stdfs::path& dest) {
  stdfs::path src = SDLC_CORPUS_DIR;
  BOOST_REQUIRE_MESSAGE(stdfs::is_directory(src / ".ai-sdlc"),
                        "the ai-sdlc corpus is missing at "
                            << src << " (shared/ must sit beside the repo)");
  stdfs::copy(src, dest, stdfs::copy_options::recursive);
  for (auto& e : stdfs::recursive_directory_iterator(dest))
    stdfs::permissions(e.path(), stdfs::perms::owner_write, stdfs::perm_options::add);
  stdfs::permissions(dest, stdfs::perms::owner_write, stdfs::perm_options::add);
  return dest;
}

std::map<std::string, std::string> snapshot(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  for (auto& e : stdfs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[stdfs::relative(e.path(), dir).string()] = read(e.path());
  return out;
}

void make_board(const stdfs::path& project, const std::map<std::string, std::string>& stories) {
  stdfs::create_directories(project / ".ai-sdlc" / "stories");
  for (const auto& [name, text] : stories)
    write(project / ".ai-sdlc" / "stories" / name / "story.md", text);
}

std::string story_text(const std::string& id, const std::string& status, const std::string& extra,
                       const std::string& body) {
  return "---\nid: " + id + "\ntitle: Story " + id + "\nslug: story-" + id +
         "\npriority: 10\nstatus: " + status + "\ntype: feature\ncreated: '2026-01-01'\n" + extra +
         "---\n" + body;
}

void make_git_repo(const stdfs::path& dir) {
  stdfs::create_directories(dir);
  git(dir, {"init", "-q", "-b", "main"});
  git(dir, {"config", "user.email", "test@example.com"});
  git(dir, {"config", "user.name", "test"});
  write(dir / "README.md", "# test repo\n");
  git(dir, {"add", "-A"});
  git(dir, {"commit", "-q", "-m", "initial commit"});
}

std::string git(const stdfs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/git", "-C", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "git " << args.front() << " failed: " << r.err);
  return r.out;
}

stub_api::stub_api(const std::string& script, const stdfs::path& workdir, const std::string& host)
    : host_(host) {
  auto script_file = workdir / "stub-script.yaml";
  auto port_file = workdir / "stub.port";
  log_ = workdir / "stub.log";
  write(script_file, script);
  std::vector<std::string> argv = {SDLC_STUB_API_BIN, "--script",         script_file.string(),
                                   "--port-file",     port_file.string(), "--log",
                                   log_.string(),     "--host",           host};
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (workdir / "stub.out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  BOOST_REQUIRE(posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  pid_ = pid;
  for (int i = 0; i < 500 && !stdfs::exists(port_file); ++i)
    usleep(10000);
  BOOST_REQUIRE_MESSAGE(stdfs::exists(port_file),
                        "stub-api did not start: " << read(workdir / "stub.out"));
  port_ = std::stoi(read(port_file));
}

stub_api::~stub_api() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string stub_api::stats() const {
  auto r = run({"/usr/bin/curl", "-s", url() + "/_stub/stats"});
  return r.out;
}

namespace {

// What /proc/<pid>/stat says after the command's closing parenthesis (a
// command may hold spaces and parentheses itself).
struct process_stat {
  char state = '?';
  long parent = 0;
};

std::optional<process_stat> stat_of(const stdfs::path& proc_dir) {
  const auto stat = read(proc_dir / "stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  process_stat s;
  rest >> s.state >> s.parent;
  return s;
}

// Every live process (no zombie) that `keep` accepts, given its /proc folder
// and stat.
std::vector<long>
processes_where(const std::function<bool(const stdfs::path&, const process_stat&)>& keep) {
  std::vector<long> out;
  for (auto& e : stdfs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = stat_of(e.path());
    if (!stat || stat->state == 'Z') continue;
    if (keep(e.path(), *stat)) out.push_back(std::stol(name));
  }
  return out;
}

} // namespace

std::vector<long> processes_with_env(const std::string& needle) {
  return processes_where([&](const stdfs::path& dir, const process_stat&) {
    return read(dir / "environ").find(needle) != std::string::npos;
  });
}

void make_command_agent_board(const stdfs::path& repo, const stdfs::path& script_file,
                              const std::string& script,
                              const std::map<std::string, std::string>& env) {
  make_git_repo(repo);
  BOOST_REQUIRE(sdlc(repo, {"init"}, env).exit_code == 0);
  write(script_file, script);
  stdfs::permissions(script_file, stdfs::perms::owner_all);
  BOOST_REQUIRE(sdlc(repo, {"config", "agent.command", script_file.string()}, env).exit_code == 0);
}

std::vector<int> guards_of(int pid) {
  std::vector<std::string> prefixes;
  for (const char* command : {run_guard_command, node_guard_command})
    prefixes.push_back(std::string(guard_program) + '\0' + command + '\0');
  std::vector<int> guards;
  for (long g : processes_where([&](const stdfs::path&dir, const process_stat&stat) {
         if (stat.parent != pid) return false;
         const auto cmdline = read(dir / "cmdline");
         for (const auto& prefix : prefixes)
           if (cmdline.rfind(prefix, 0) == 0) return true;
         return false;
       }))
    guards.push_back(static_cast<int>(g));
  return guards;
}

int kill_with_its_guard(int pid) {
  // The guard first: once the run is gone, it would act.
  const auto guards = guards_of(pid);
  for (int g : guards)
    ::kill(g, SIGKILL);
  ::kill(pid, SIGKILL);
  return static_cast<int>(guards.size());
}

void kill_and_let_its_guard_finish(int pid) {
  const auto guards = guards_of(pid);
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  // Its guard now stops what it started, and takes and drops a lock in the
  // test's folder: done before the folder goes, or it outlives the test.
  for (int g : guards)
    for (int i = 0; i < 300 && process_alive(g); ++i)
      usleep(50000);
}

bool none_alive_with_env(const std::string& needle) {
  for (int i = 0; i < 60; ++i) {
    if (processes_with_env(needle).empty()) return true;
    usleep(50000);
  }
  return processes_with_env(needle).empty();
}

} // namespace sdlc::test
