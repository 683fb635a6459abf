#include "runtime/git/remote_race.hpp"

#include <git2/errors.h>

#include <array>

namespace sdlc::git {

bool is_remote_race(int rc, int error_class, std::string_view message) {
  if (rc == GIT_ELOCKED) return true;
  // A repository or a path not found is the user's mistake; a reference not
  // found while the transport lists the remote's refs is a race. The local
  // transport returns it as a plain GIT_ERROR, so the class and the message
  // tell it, not the code.
  return rc < 0 && error_class == GIT_ERROR_REFERENCE &&
         message.find("not found") != std::string_view::npos;
}

bool is_refused_by_race(std::string_view status) {
  // libgit2's local transport gives its own error message as the status, and
  // says "not found to delete" whenever creating the ref failed with
  // ENOTFOUND: its folder was removed under it. git's receive-pack (ssh,
  // https) says "cannot lock ref".
  constexpr std::array<std::string_view, 5> races = {
      "failed to lock file", "failed to create locked file", "failed to make directory",
      "Remote branch not found to delete", "cannot lock ref"};
  for (auto race : races)
    if (status.find(race) != std::string_view::npos) return true;
  return false;
}

std::optional<std::chrono::milliseconds> race_retry_delay(int retry) {
  // 10 ms doubling to 320: 630 ms in all, against writers that each hold a
  // ref for well under a millisecond.
  constexpr int retries = 6;
  if (retry < 1 || retry > retries) return std::nullopt;
  return std::chrono::milliseconds(10 << (retry - 1));
}

} // namespace sdlc::git
