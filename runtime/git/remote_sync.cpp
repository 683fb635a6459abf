#include "runtime/git/remote_sync.hpp"

#include "runtime/git/remote_race.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>
#include <thread>

namespace sdlc::git {

namespace {

std::mutex& sync_mutex() {
  static std::mutex m;
  return m;
}

using remote_ptr = std::unique_ptr<git_remote, deleter<git_remote, git_remote_free>>;

// ssh through the user's agent; https with the token `gh` uses (GH_TOKEN or
// GITHUB_TOKEN, as `gh auth git-credential` would give it); other transports
// need no credentials (a path or file://) or fail with libgit2's message
// naming the URL.
int credentials(git_credential** out, const char*, const char* user, unsigned int allowed, void*) {
  if (allowed & GIT_CREDENTIAL_SSH_KEY) return git_credential_ssh_key_from_agent(out, user);
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    const char* token = std::getenv("GH_TOKEN");
    if (!token || !*token) token = std::getenv("GITHUB_TOKEN");
    if (token && *token) return git_credential_userpass_plaintext_new(out, "x-access-token", token);
  }
  return GIT_PASSTHROUGH;
}

// A ref the remote refused (not a fast-forward, protected): libgit2 reports
// it here, not in git_remote_push's return code.
struct refusal {
  std::string ref;
  std::string status;
};

int push_update(const char* ref, const char* status, void* payload) {
  if (status) *static_cast<refusal*>(payload) = {ref, status};
  return 0;
}

// A failure that another writer of the remote caused (remote_race.hpp).
struct remote_race_error : error {
  explicit remote_race_error(const std::string& message) : error(exit_code::failure, message) {}
};

void check_remote(int rc, const std::string& what) {
  if (rc >= 0) return;
  const git_error* e = git_error_last();
  if (e && e->message && is_remote_race(rc, e->klass, e->message))
    throw remote_race_error(fmt::format("git: {} failed: {}", what, e->message));
  check(rc, what);
}

// Runs `attempt` again while it fails on a race with another writer of the
// remote; the last failure is reported when the retries run out.
template <class Attempt> auto retrying_races(Attempt&& attempt) {
  std::chrono::milliseconds waited{0};
  for (int retry = 1;; ++retry) {
    try {
      return attempt();
    } catch (const remote_race_error& e) {
      auto delay = race_retry_delay(retry);
      if (!delay)
        throw failure(fmt::format("{} (tried {} times in {} ms: another process kept changing "
                                  "the remote's refs, or left a lock file behind; run again once "
                                  "it is done, or remove a lock file no process holds)",
                                  e.what(), retry, waited.count()));
      std::this_thread::sleep_for(*delay);
      waited += *delay;
    }
  }
}

// An anonymous remote for `url` as given: no url.<base>.insteadOf rewriting.
// libgit2 1.5 (Debian 12) leaks a PCRE2 match block (~20 kB) for every config
// entry its insteadOf lookup does not match (git_regexp_match returns early
// on no-match) — per push or fetch, which a long run does thousands of times.
remote_ptr anonymous_remote(git_repository* repo, const std::string& url) {
  git_remote* r = nullptr;
  git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
  opts.repository = repo;
  opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  check(git_remote_create_with_opts(&r, url.c_str(), &opts), "use remote " + url);
  return remote_ptr(r);
}

git_oid parse_oid(const std::string& sha) {
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), "read commit id " + sha);
  return oid;
}

std::optional<std::string> tip_of(git_repository* repo, const std::string& ref) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, ref.c_str()) < 0) return std::nullopt;
  return oid_string(oid);
}

} // namespace

namespace {

void push_spec(const std::filesystem::path& repo_dir, const std::string& url, std::string spec,
               const std::string& what) {
  retrying_races([&] {
    std::lock_guard<std::mutex> lock(sync_mutex());
    auto repo = open(repo_dir);
    auto remote = anonymous_remote(repo.get(), url);
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    git_push_options opts = GIT_PUSH_OPTIONS_INIT;
    opts.callbacks.credentials = credentials;
    refusal refused;
    opts.callbacks.push_update_reference = push_update;
    opts.callbacks.payload = &refused;
    check_remote(git_remote_push(remote.get(), &refspecs, &opts),
                 fmt::format("{} to {}", what, url));
    if (refused.status.empty()) return;
    auto message =
        fmt::format("{} to {}: {} was refused: {}", what, url, refused.ref, refused.status);
    if (is_refused_by_race(refused.status)) throw remote_race_error(message);
    throw failure(message);
  });
}

} // namespace

void push_branch(const std::filesystem::path& repo_dir, const std::string& url,
                 const std::string& branch, bool force) {
  push_spec(repo_dir, url,
            fmt::format("{}refs/heads/{}:refs/heads/{}", force ? "+" : "", branch, branch),
            "push branch " + branch);
}

void push_branch_to(const std::filesystem::path& repo_dir, const std::string& url,
                    const std::string& branch, const std::string& remote_ref) {
  push_spec(repo_dir, url, fmt::format("+refs/heads/{}:{}", branch, remote_ref),
            fmt::format("push branch {} as {}", branch, remote_ref));
}

void delete_remote_ref(const std::filesystem::path& repo_dir, const std::string& url,
                       const std::string& remote_ref) {
  push_spec(repo_dir, url, ":" + remote_ref, "delete " + remote_ref);
}

std::optional<std::string> fetch_branch(const std::filesystem::path& repo_dir,
                                        const std::string& url, const std::string& branch) {
  return fetch_ref(repo_dir, url, "refs/heads/" + branch);
}

std::optional<std::string> fetch_ref(const std::filesystem::path& repo_dir, const std::string& url,
                                     const std::string& want) {
  const auto target = "refs/sdlc/fetched/" + want.substr(want.find('/') + 1);
  return retrying_races([&]() -> std::optional<std::string> {
    std::lock_guard<std::mutex> lock(sync_mutex());
    auto repo = open(repo_dir);
    auto remote = anonymous_remote(repo.get(), url);
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.callbacks.credentials = credentials;
    check_remote(
        git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &opts.callbacks, nullptr, nullptr),
        "connect to " + url);
    const git_remote_head** heads = nullptr;
    size_t n = 0;
    check(git_remote_ls(&heads, &n, remote.get()), "list the branches of " + url);
    bool present = false;
    for (size_t i = 0; i < n; ++i)
      present |= want == heads[i]->name;
    git_remote_disconnect(remote.get());
    if (!present) return std::nullopt;
    auto spec = fmt::format("+{}:{}", want, target);
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    check_remote(git_remote_fetch(remote.get(), &refspecs, &opts, nullptr),
                 fmt::format("fetch {} from {}", want, url));
    auto tip = tip_of(repo.get(), target);
    // Callers keep the commit, not the ref: a staging ref left behind would
    // pile up in the user's repository, one per fetched result.
    git_reference* staged = nullptr;
    if (git_reference_lookup(&staged, repo.get(), target.c_str()) == 0) {
      ref_ptr owner(staged);
      check(git_reference_delete(staged), "delete " + target);
    }
    return tip;
  });
}

void set_branch(const std::filesystem::path& repo_dir, const std::string& branch,
                const std::string& sha) {
  std::lock_guard<std::mutex> lock(sync_mutex());
  auto repo = open(repo_dir);
  auto oid = parse_oid(sha);
  git_reference* ref = nullptr;
  check(git_reference_create(&ref, repo.get(), ("refs/heads/" + branch).c_str(), &oid, 1,
                             "sdlc-actors: story branch from the shared remote"),
        fmt::format("move branch {} to {}", branch, sha));
  git_reference_free(ref);
}

void set_ref(const std::filesystem::path& repo_dir, const std::string& ref, const std::string& sha,
             const std::string& why) {
  std::lock_guard<std::mutex> lock(sync_mutex());
  auto repo = open(repo_dir);
  auto oid = parse_oid(sha);
  git_reference* r = nullptr;
  check(git_reference_create(&r, repo.get(), ref.c_str(), &oid, 1, why.c_str()),
        fmt::format("point {} at {}", ref, sha));
  git_reference_free(r);
}

bool delete_branch_if_merged(const std::filesystem::path& repo_dir, const std::string& branch,
                             const std::string& base) {
  auto tip = branch_tip(repo_dir, branch);
  auto base_tip = branch_tip(repo_dir, base);
  if (!tip || !base_tip || !is_ancestor(repo_dir, *tip, *base_tip)) return false;
  std::lock_guard<std::mutex> lock(sync_mutex());
  auto repo = open(repo_dir);
  git_reference* raw = nullptr;
  if (git_branch_lookup(&raw, repo.get(), branch.c_str(), GIT_BRANCH_LOCAL) != 0) return false;
  ref_ptr ref(raw);
  return git_branch_delete(ref.get()) == 0; // refused while a worktree has it checked out
}

std::optional<std::string> remote_url(const std::filesystem::path& repo_dir,
                                      const std::string& name) {
  // From the config, not git_remote_lookup: that applies url.*.insteadOf,
  // whose PCRE2 lookup leaks in libgit2 1.5 (see anonymous_remote).
  auto repo = open(repo_dir);
  git_config* raw = nullptr;
  check(git_repository_config_snapshot(&raw, repo.get()), "read the git config");
  std::unique_ptr<git_config, deleter<git_config, git_config_free>> cfg(raw);
  const char* url = nullptr;
  if (git_config_get_string(&url, cfg.get(), ("remote." + name + ".url").c_str()) != 0 || !url)
    return std::nullopt;
  return std::string(url);
}

std::optional<std::string> branch_tip(const std::filesystem::path& repo_dir,
                                      const std::string& branch) {
  auto repo = open(repo_dir);
  return tip_of(repo.get(), "refs/heads/" + branch);
}

bool is_ancestor(const std::filesystem::path& repo_dir, const std::string& ancestor,
                 const std::string& descendant) {
  if (ancestor == descendant) return true;
  auto repo = open(repo_dir);
  auto a = parse_oid(ancestor);
  auto d = parse_oid(descendant);
  int rc = git_graph_descendant_of(repo.get(), &d, &a);
  check(rc, "compare commits");
  return rc == 1;
}

} // namespace sdlc::git
