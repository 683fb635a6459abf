#include "runtime/land/land_merge.hpp"

#include "runtime/git/index_claim.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>

namespace sdlc::git {

namespace {

const char* const journal_name = "sdlc-actors-landing";

commit_ptr lookup(git_repository* repo, const std::string& sha) {
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), "read commit id " + sha);
  git_commit* c = nullptr;
  check(git_commit_lookup(&c, repo, &oid), "look up commit " + sha);
  return commit_ptr(c);
}

// Whether `file` holds the first bytes of the blob and no more: libgit2's
// checkout writes a file in place (open with O_TRUNC, then write), so a kill
// there leaves it empty or cut short. Finishing it loses nothing, since
// every byte it holds is in what replaces it.
bool cut_short_of(git_repository* repo, const git_oid& blob_id, const std::filesystem::path& file) {
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, repo, &blob_id) != 0) return false;
  std::unique_ptr<git_blob, deleter<git_blob, git_blob_free>> blob(raw);
  const auto size = static_cast<std::size_t>(git_blob_rawsize(blob.get()));
  const auto have = fs::read_file(file);
  return have.size() < size &&
         std::equal(have.begin(), have.end(),
                    static_cast<const char*>(git_blob_rawcontent(blob.get())));
}

} // namespace

merged_batch merge_onto(const std::filesystem::path& repo_path, const std::string& base_tip,
                        const std::vector<landing_branch>& stories, merge_strategy strategy) {
  auto repo = open(repo_path);
  auto sig = signature(repo.get());
  merged_batch out;
  out.base_tip = out.tip = base_tip;
  auto ours = lookup(repo.get(), base_tip);
  for (const auto& s : stories) {
    auto theirs = branch_commit(repo.get(), s.branch);
    git_merge_options opts = GIT_MERGE_OPTIONS_INIT;
    git_index* raw = nullptr;
    check(git_merge_commits(&raw, repo.get(), ours.get(), theirs.get(), &opts),
          fmt::format("merge {} onto {}", s.branch, out.tip.substr(0, 8)));
    index_ptr index(raw);
    if (git_index_has_conflicts(index.get())) {
      out.conflict = s.id;
      out.conflict_files = conflicted_paths(index.get());
      return out;
    }
    git_oid tree_id;
    check(git_index_write_tree_to(&tree_id, index.get(), repo.get()), "write the merged tree");
    if (git_oid_equal(&tree_id, git_commit_tree_id(ours.get()))) {
      // Its changes are there already (it landed before a crash could record
      // it, or another story brought the same): no empty commit.
      out.commits.emplace_back(s.id, out.tip);
      continue;
    }
    git_tree* t = nullptr;
    check(git_tree_lookup(&t, repo.get(), &tree_id), "read the merged tree");
    tree_ptr tree(t);
    const git_commit* parents[2] = {ours.get(), theirs.get()};
    git_oid made;
    check(git_commit_create(&made, repo.get(), nullptr, sig.get(), sig.get(), "UTF-8",
                            s.message.c_str(), tree.get(),
                            strategy == merge_strategy::merge ? 2 : 1, parents),
          "commit " + s.id + " onto the base");
    out.tip = oid_string(made);
    out.commits.emplace_back(s.id, out.tip);
    ours = lookup(repo.get(), out.tip);
  }
  return out;
}

void export_commit(const std::filesystem::path& repo_path, const std::string& commit,
                   const std::filesystem::path& dir) {
  auto repo = open(repo_path);
  auto c = lookup(repo.get(), commit);
  auto tree = tree_of(c.get());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
  const auto target = dir.string();
  opts.target_directory = target.c_str();
  check(git_checkout_tree(repo.get(), reinterpret_cast<const git_object*>(tree.get()), &opts),
        "write commit " + commit.substr(0, 8) + " to " + target);
}

std::optional<std::string> advance_branch(const std::filesystem::path& repo_path,
                                          const std::string& branch,
                                          const std::string& expected_tip,
                                          const std::string& new_tip) {
  auto repo = open(repo_path);
  const auto ref_name = "refs/heads/" + branch;
  auto now = oid_string(*git_commit_id(branch_commit(repo.get(), branch).get()));
  if (now != expected_tip)
    return fmt::format("{} moved to {} while the lane tested on {}; merging again", branch,
                       now.substr(0, 8), expected_tip.substr(0, 8));
  git_reference* head_raw = nullptr;
  bool on_branch = false;
  if (git_repository_head(&head_raw, repo.get()) == 0) {
    ref_ptr head(head_raw);
    on_branch = ref_name == git_reference_name(head.get());
  }
  auto old_tree = tree_of(lookup(repo.get(), expected_tip).get());
  auto new_tree = tree_of(lookup(repo.get(), new_tip).get());
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  opts.baseline = old_tree.get();
  std::vector<std::string> blocked;
  opts.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT;
  opts.notify_cb = [](git_checkout_notify_t, const char* path, const git_diff_file*,
                      const git_diff_file*, const git_diff_file*, void* payload) {
    static_cast<std::vector<std::string>*>(payload)->push_back(path);
    return 0;
  };
  opts.notify_payload = &blocked;
  const auto* tree_obj = reinterpret_cast<const git_object*>(new_tree.get());
  // Before libgit2 locks the index or the branch: a kill inside either
  // leaves a lock only our next landing can tell is stale.
  index_claim claim(repo.get(), ref_name);
  if (on_branch) {
    auto dry = opts;
    dry.checkout_strategy |= GIT_CHECKOUT_DRY_RUN;
    int rc = git_checkout_tree(repo.get(), tree_obj, &dry);
    if (rc == GIT_ECONFLICT || !blocked.empty())
      return fmt::format("the main checkout has {} checked out with uncommitted changes to {}; "
                         "commit or stash them, and landing goes on",
                         branch, fmt::join(blocked, ", "));
    if (rc == GIT_ELOCKED)
      throw failure("cannot update the main checkout: " + locked_index_advice(repo.get()));
    check(rc, "check the main checkout can follow " + branch);
  }
  // A crash between moving the branch and updating the checkout's files
  // would leave them behind the branch; the journal lets the next lane finish it.
  const auto journal = std::filesystem::path(git_repository_commondir(repo.get())) / journal_name;
  if (on_branch) fs::atomic_write(journal, expected_tip + " " + new_tip + "\n");
  git_oid target, current;
  check(git_oid_fromstr(&target, new_tip.c_str()), "read commit id");
  check(git_oid_fromstr(&current, expected_tip.c_str()), "read commit id");
  git_reference* moved = nullptr;
  int rc = git_reference_create_matching(&moved, repo.get(), ref_name.c_str(), &target, 1, &current,
                                         "sdlc-actors land");
  if (rc == GIT_EMODIFIED) {
    std::filesystem::remove(journal);
    return fmt::format("{} moved while the lane was landing; merging again", branch);
  }
  if (rc == GIT_ELOCKED) {
    std::filesystem::remove(journal);
    throw failure(
        fmt::format("cannot advance {}: {}", branch, locked_ref_advice(repo.get(), ref_name)));
  }
  check(rc, "advance " + branch);
  git_reference_free(moved);
  if (on_branch) {
    check(git_checkout_tree(repo.get(), tree_obj, &opts),
          "update the main checkout to " + new_tip.substr(0, 8));
    std::filesystem::remove(journal);
  }
  return std::nullopt;
}

std::optional<std::string> finish_interrupted_landing(const std::filesystem::path& repo_path,
                                                      const std::string& branch) {
  auto repo = open(repo_path);
  const auto journal = std::filesystem::path(git_repository_commondir(repo.get())) / journal_name;
  if (!std::filesystem::exists(journal)) return std::nullopt;
  std::istringstream in(fs::read_file(journal));
  std::string old_tip, new_tip;
  in >> old_tip >> new_tip;
  auto now = oid_string(*git_commit_id(branch_commit(repo.get(), branch).get()));
  if (now != new_tip || old_tip.empty()) { // the branch never moved: nothing to finish
    std::filesystem::remove(journal);
    return std::nullopt;
  }
  auto old_tree = tree_of(lookup(repo.get(), old_tip).get());
  auto new_tree = tree_of(lookup(repo.get(), new_tip).get());
  // The kill may have come in the middle of the checkout: a file the landing
  // changes is still as before, already as after, or cut short in the
  // writing (ours to finish), or something else (a person's edit since:
  // refuse, and say which).
  git_diff* raw = nullptr;
  check(git_diff_tree_to_tree(&raw, repo.get(), old_tree.get(), new_tree.get(), nullptr),
        "list what the interrupted landing changes");
  std::unique_ptr<git_diff, deleter<git_diff, git_diff_free>> diff(raw);
  std::vector<std::string> paths, foreign;
  const auto workdir = std::filesystem::path(git_repository_workdir(repo.get()));
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const auto* d = git_diff_get_delta(diff.get(), i);
    const std::string path = d->new_file.path ? d->new_file.path : d->old_file.path;
    paths.push_back(path);
    const auto file = workdir / path;
    if (!std::filesystem::exists(file)) continue; // absent: before an add, or after a delete
    git_oid now_id;
    check(git_odb_hashfile(&now_id, file.c_str(), GIT_OBJECT_BLOB), "read " + path);
    if (!git_oid_equal(&now_id, &d->old_file.id) && !git_oid_equal(&now_id, &d->new_file.id) &&
        !cut_short_of(repo.get(), d->new_file.id, file))
      foreign.push_back(path);
  }
  if (!foreign.empty())
    throw failure(fmt::format("an interrupted landing left {} behind {}, and {} changed since; "
                              "commit or move them away, then land again",
                              workdir.string(), branch, fmt::join(foreign, ", ")));
  std::vector<const char*> specs;
  for (const auto& p : paths)
    specs.push_back(p.c_str());
  // A kill during the first attempt left its index.lock (or the branch's lock).
  index_claim claim(repo.get(), "refs/heads/" + branch);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
  opts.paths = {const_cast<char**>(specs.data()), specs.size()};
  if (!specs.empty())
    check(git_checkout_tree(repo.get(), reinterpret_cast<const git_object*>(new_tree.get()), &opts),
          "finish updating the main checkout to " + new_tip.substr(0, 8));
  std::filesystem::remove(journal);
  return fmt::format("finished an interrupted landing: the main checkout now matches {} at {}",
                     branch, new_tip.substr(0, 8));
}

} // namespace sdlc::git
