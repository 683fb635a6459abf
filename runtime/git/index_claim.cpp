#include "runtime/git/index_claim.hpp"

#include <fmt/format.h>

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

} // namespace

index_claim::index_claim(git_repository* repo)
    : dead_claim_at_(written_at(git_dir(repo) / "sdlc-actors-index-claim")),
      lock_(git_dir(repo) / "sdlc-actors-index-claim", std::chrono::seconds(30),
            "the main checkout's index") {
  if (!lock_.took_over() || !dead_claim_at_) return;
  const auto lock = git_dir(repo) / "index.lock";
  if (auto locked_at = written_at(lock); locked_at && *locked_at >= *dead_claim_at_) {
    std::error_code ec;
    stdfs::remove(lock, ec); // the dead holder's stale lock
  }
}

std::string locked_index_advice(git_repository* repo) {
  return fmt::format("{} exists: another git command is using this checkout, or one was killed; "
                     "if no git command is running, delete that file and try again",
                     (git_dir(repo) / "index.lock").string());
}

} // namespace sdlc::git
