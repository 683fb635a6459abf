#include "runtime/process/marked_processes.hpp"

#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <set>
#include <unistd.h>

namespace sdlc {

namespace {

struct stat_fields {
  char state = '?';
  pid_t ppid = 0;
  pid_t pgid = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces
// and parentheses, so the fields are read after its last ')'.
bool read_stat(pid_t pid, stat_fields& out) {
  std::string text;
  try {
    text = fs::read_file(fmt::format("/proc/{}/stat", pid), 4096);
  } catch (const std::exception&) {
    return false; // gone, or not ours to read
  }
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  const char* p = text.c_str() + close + 2;
  out.state = *p;
  char* end = nullptr;
  out.ppid = static_cast<pid_t>(std::strtol(p + 1, &end, 10));
  out.pgid = static_cast<pid_t>(std::strtol(end, &end, 10));
  return true;
}

std::set<pid_t> self_and_ancestors() {
  std::set<pid_t> out = {::getpid()};
  for (pid_t p = ::getppid(); p > 1 && out.insert(p).second;) {
    stat_fields f;
    if (!read_stat(p, f)) break;
    p = f.ppid;
  }
  return out;
}

std::vector<std::string> environment_of(pid_t pid) {
  std::vector<std::string> out;
  std::string env;
  try {
    env = fs::read_file(fmt::format("/proc/{}/environ", pid), 1u << 20);
  } catch (const std::exception&) {
    return out;
  }
  for (std::size_t pos = 0; pos < env.size();) {
    auto end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    if (end > pos) out.push_back(env.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

} // namespace

std::string marked_process::env(const std::string& name) const {
  const auto prefix = name + "=";
  for (const auto& e : environment)
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  return {};
}

std::vector<marked_process> processes_marked(const std::string& name, const std::string& value) {
  std::vector<marked_process> out;
  const auto mark = name + "=" + value;
  const auto skip = self_and_ancestors();
  const pid_t own_group = ::getpgrp();
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (auto* e = ::readdir(dir)) {
    char* end = nullptr;
    const long n = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || n <= 0 || skip.count(static_cast<pid_t>(n))) continue;
    marked_process p;
    p.pid = static_cast<pid_t>(n);
    p.environment = environment_of(p.pid);
    const bool marked =
        std::find(p.environment.begin(), p.environment.end(), mark) != p.environment.end();
    stat_fields f;
    if (!marked || !read_stat(p.pid, f) || f.state == 'Z' || f.pgid == own_group) continue;
    p.pgid = f.pgid;
    out.push_back(std::move(p));
  }
  ::closedir(dir);
  return out;
}

} // namespace sdlc
