#pragma once
// Our claim on a checkout's index while libgit2 rewrites it. A SIGKILL in the
// middle of a checkout leaves git's `index.lock` behind, and every later git
// command — ours or a person's — is refused until someone deletes it. Git
// cannot tell a stale lock from a live one; for our own we can: the claim
// (`<gitdir>/sdlc-actors-index-claim`, written before libgit2 takes the lock,
// removed after) names our pid. A claim whose process is gone, with an
// index.lock no older than it, means that lock is ours and stale: nobody else
// could have taken the index while it stood.
#include <git2.h>

#include <filesystem>

namespace sdlc::git {

class index_claim {
public:
  // Clears a dead claimant's stale index.lock, then claims the index of `repo`.
  explicit index_claim(git_repository* repo);
  ~index_claim();
  index_claim(const index_claim&) = delete;
  index_claim& operator=(const index_claim&) = delete;

private:
  std::filesystem::path claim_;
};

// What to tell a person when the index is locked and not by a dead claim.
std::string locked_index_advice(git_repository* repo);

} // namespace sdlc::git
