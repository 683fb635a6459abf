#include "runtime/git/checkout_filters.hpp"

#include "runtime/git/repository.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace sdlc::git {

namespace {

namespace stdfs = std::filesystem;

using config_ptr = std::unique_ptr<git_config, deleter<git_config, git_config_free>>;

bool present(const stdfs::path& file) {
  std::error_code ec;
  return stdfs::exists(file, ec) || ec; // unreadable: assume it is there
}

bool tree_has_attributes(git_tree* tree) {
  bool found = false;
  auto visit = [](const char*, const git_tree_entry* entry, void* payload) -> int {
    if (std::strcmp(git_tree_entry_name(entry), ".gitattributes") != 0) return 0;
    *static_cast<bool*>(payload) = true;
    return -1; // stop the walk
  };
  int rc = git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &found);
  return found || rc < 0; // a walk that failed: assume some
}

bool global_attributes_exist(git_config* cfg) {
  git_buf configured = GIT_BUF_INIT;
  if (git_config_get_path(&configured, cfg, "core.attributesFile") == 0) {
    git_buf_dispose(&configured);
    return true;
  }
  stdfs::path xdg;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    xdg = x;
  else if (const char* home = std::getenv("HOME"); home && *home)
    xdg = stdfs::path(home) / ".config";
  return (!xdg.empty() && present(xdg / "git" / "attributes")) || present("/etc/gitattributes");
}

bool line_endings_converted(git_config* cfg) {
  int autocrlf = 0;
  int rc = git_config_get_bool(&autocrlf, cfg, "core.autocrlf");
  if (rc != GIT_ENOTFOUND && (rc != 0 || autocrlf)) return true; // true, input, or unreadable
  git_buf eol = GIT_BUF_INIT;
  rc = git_config_get_string_buf(&eol, cfg, "core.eol");
  if (rc == GIT_ENOTFOUND) return false;
  const std::string value = rc == 0 ? std::string(eol.ptr, eol.size) : "?";
  git_buf_dispose(&eol);
  return value != "lf" && value != "native";
}

} // namespace

bool checkout_needs_filters(git_repository* repo, git_tree* tree) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0) return true;
  config_ptr cfg(raw);
  if (line_endings_converted(cfg.get()) || global_attributes_exist(cfg.get())) return true;
  if (present(stdfs::path(git_repository_commondir(repo)) / "info" / "attributes")) return true;
  return tree_has_attributes(tree);
}

} // namespace sdlc::git
