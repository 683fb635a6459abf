#pragma once
// Our claim on a checkout's index while libgit2 rewrites it. A SIGKILL in the
// middle of a checkout leaves git's `index.lock` behind, and every later git
// command — ours or a person's — is refused until someone deletes it. Git
// cannot tell a stale lock from a live one; for our own we can: the claim is a
// file_lock (`<gitdir>/sdlc-actors-index-claim`, taken before libgit2 locks
// the index, released after). Taking over a claim whose holder died, with an
// index.lock no older than that claim, means the lock is the dead holder's:
// nobody else could have taken the index while it stood.
#include "runtime/util/file_lock.hpp"

#include <git2.h>

#include <filesystem>
#include <optional>
#include <string>

namespace sdlc::git {

// The same holds for the branch the landing moves: a kill inside libgit2's
// reference update leaves `<common dir>/<ref>.lock` (e.g. refs/heads/main.lock),
// and every later update of that branch is refused.
class index_claim {
public:
  // Claims the index of `repo` (waiting for a live claimant), then clears a
  // dead claimant's stale index.lock and, with `ref` ("refs/heads/main"),
  // that reference's stale lock.
  explicit index_claim(git_repository* repo, const std::string& ref = {});

private:
  std::optional<std::filesystem::file_time_type> dead_claim_at_; // before we take the file
  file_lock lock_;
};

// What to tell a person when the index is locked and not by a dead claim.
std::string locked_index_advice(git_repository* repo);
// The same for a reference's lock ("refs/heads/main").
std::string locked_ref_advice(git_repository* repo, const std::string& ref);

} // namespace sdlc::git
