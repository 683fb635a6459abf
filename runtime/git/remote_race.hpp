#pragma once
// A shared remote on a path is a repository other processes write while we
// push to it or fetch from it: nodes push their results while the
// orchestrator deletes the ones it has taken. libgit2's local transport fails
// where git would not. Its ref advertisement lists the remote's refs, then
// reads each one, and fails with "reference ... not found" when one of them
// is deleted in between. A ref update fails when another writer holds a lock
// on it, or removes the empty folder the new ref was about to go into (git
// removes a deleted ref's empty parent folders). None of this says anything
// about our push or fetch: the same call a moment later succeeds. So these,
// and only these, are tried again (remote_sync); any other failure is
// reported at once.
#include <chrono>
#include <optional>
#include <string_view>

namespace sdlc::git {

// Whether a libgit2 call that talked to a remote failed on such a race, by
// its return code and git_error_last()'s class and message.
bool is_remote_race(int rc, int error_class, std::string_view message);

// Whether a ref update the remote refused (the status given to
// push_update_reference) was refused for such a race.
bool is_refused_by_race(std::string_view status);

// How long to wait before retry `retry` (1 is the first), or nullopt when
// the call has been tried often enough: the failure is then reported.
std::optional<std::chrono::milliseconds> race_retry_delay(int retry);

} // namespace sdlc::git
