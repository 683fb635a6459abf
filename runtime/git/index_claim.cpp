#include "runtime/git/index_claim.hpp"

#include "runtime/util/file_lock.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <string>
#include <unistd.h>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* claim_name = "sdlc-actors-index-claim";

long claimant_of(const stdfs::path& claim) {
  try {
    return std::stol(fs::read_file(claim, 64));
  } catch (const std::exception&) {
    return 0; // torn or empty: written by a process killed while writing it
  }
}

} // namespace

index_claim::index_claim(git_repository* repo)
    : claim_(stdfs::path(git_repository_path(repo)) / claim_name) {
  std::error_code ec;
  const auto lock = stdfs::path(git_repository_path(repo)) / "index.lock";
  if (stdfs::exists(claim_, ec)) {
    const long pid = claimant_of(claim_);
    if (pid != ::getpid() && !process_alive(pid)) {
      auto claimed_at = stdfs::last_write_time(claim_, ec);
      auto locked_at = stdfs::last_write_time(lock, ec);
      if (!ec && locked_at >= claimed_at) stdfs::remove(lock, ec); // its stale lock
      stdfs::remove(claim_, ec);
    }
  }
  fs::atomic_write(claim_, std::to_string(::getpid()) + "\n");
}

index_claim::~index_claim() {
  std::error_code ec;
  stdfs::remove(claim_, ec);
}

std::string locked_index_advice(git_repository* repo) {
  return fmt::format("{} exists: another git command is using this checkout, or one was killed; "
                     "if no git command is running, delete that file and try again",
                     (stdfs::path(git_repository_path(repo)) / "index.lock").string());
}

} // namespace sdlc::git
