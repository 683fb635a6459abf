#include "runtime/git/index_claim.hpp"

#include <fmt/format.h>

#include <vector>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

stdfs::path git_dir(git_repository* repo) {
  return git_repository_path(repo);
}

std::optional<stdfs::file_time_type> written_at(const stdfs::path& file) {
  std::error_code ec;
  auto t = stdfs::last_write_time(file, ec);
  return ec ? std::nullopt : std::optional(t);
}

stdfs::path ref_lock(git_repository* repo, const std::string& ref) {
  return stdfs::path(git_repository_commondir(repo)) / (ref + ".lock");
}

std::string lock_advice(const stdfs::path& lock) {
  return fmt::format("{} exists: another git command is using this repository, or one was "
                     "killed; if no git command is running, delete that file and try again",
                     lock.string());
}

} // namespace

index_claim::index_claim(git_repository* repo, const std::string& ref)
    : dead_claim_at_(written_at(git_dir(repo) / "sdlc-actors-index-claim")),
      lock_(git_dir(repo) / "sdlc-actors-index-claim", std::chrono::seconds(30),
            "the main checkout's index") {
  if (!lock_.took_over() || !dead_claim_at_) return;
  std::vector<stdfs::path> locks{git_dir(repo) / "index.lock"};
  if (!ref.empty()) locks.push_back(ref_lock(repo, ref));
  for (const auto& lock : locks)
    if (auto locked_at = written_at(lock); locked_at && *locked_at >= *dead_claim_at_) {
      std::error_code ec;
      stdfs::remove(lock, ec); // the dead holder's stale lock
    }
}

std::string locked_index_advice(git_repository* repo) {
  return lock_advice(git_dir(repo) / "index.lock");
}

std::string locked_ref_advice(git_repository* repo, const std::string& ref) {
  return lock_advice(ref_lock(repo, ref));
}

} // namespace sdlc::git
