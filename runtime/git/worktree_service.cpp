#include "runtime/git/worktree_service.hpp"

#include "runtime/git/checkout_filters.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/git/story_branch.hpp"
#include "runtime/git/worktree_creation.hpp"
#include "runtime/git/worktree_lock.hpp"
#include "runtime/git/worktree_ownership.hpp"
#include "runtime/git/worktree_removal.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <optional>

namespace sdlc::git {

namespace stdfs = std::filesystem;

namespace {

// Keeps the worktrees folder out of the main checkout's `git status` without
// touching any tracked file (.git/info/exclude is local to the clone).
void exclude_locally(git_repository* repo, const std::string& pattern) {
  stdfs::path info = stdfs::path(git_repository_commondir(repo)) / "info";
  stdfs::create_directories(info);
  auto file = info / "exclude";
  std::string text = stdfs::exists(file) ? fs::read_file(file) : "";
  if (text.find("\n" + pattern + "\n") != std::string::npos || text.rfind(pattern + "\n", 0) == 0)
    return;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += pattern + "\n";
  fs::atomic_write(file, text);
}

} // namespace

worktree_service::worktree_service(stdfs::path project_root, stdfs::path base_path)
    : root_(std::move(project_root)),
      base_(base_path.is_absolute() ? std::move(base_path) : root_ / base_path) {}

// Keeps the worktrees folder (when inside the project) out of `git status`.
void worktree_service::exclude_base(git_repository* repo) const {
  auto rel_base = fs::display_path(base_, root_);
  if (rel_base != base_.string()) exclude_locally(repo, "/" + rel_base + "/");
}

stdfs::path worktree_service::scratch_dir(const std::string& name) const {
  auto repo = open(root_);
  auto lock = worktree_lock(repo.get()); // exclude_base reads, then rewrites
  exclude_base(repo.get());
  return base_ / name;
}

std::string worktree_service::name_for(const std::string& id, const std::string& slug) {
  return slug.empty() ? id : id + "-" + slug;
}

std::string worktree_service::branch_for(const std::string& id, const std::string& slug) {
  return "ai-sdlc/" + name_for(id, slug);
}

// Under the repository's worktree lock: the name's metadata, its branch and an
// empty worktree registered. The checkout, the marker and the journal's end
// touch only this worktree's own files, so they run after the lock: stories
// starting together no longer queue behind each other's checkouts
// (docs/benchmarks.md). The journal entry stays locked meanwhile, so another
// adder of this name waits for it (undo_interrupted_add).
worktree_info worktree_service::add_or_reuse(const std::string& id, const std::string& slug,
                                             const std::vector<std::string>& merge_branches,
                                             bool& began_add) {
  auto repo = open(root_);
  worktree_info info;
  info.name = name_for(id, slug);
  info.branch = branch_for(id, slug);
  info.path = base_ / info.name;
  const stdfs::path common_dir = git_repository_commondir(repo.get());
  std::optional<worktree_add_in_progress> adding;
  worktree_ptr added;
  bool filters = true;
  {
    auto lock = worktree_lock(repo.get());
    undo_interrupted_add(common_dir, info.name);

    git_worktree* existing = nullptr;
    if (git_worktree_lookup(&existing, repo.get(), info.name.c_str()) == 0) {
      worktree_ptr wt(existing);
      if (git_worktree_validate(wt.get()) == 0) {
        info.path = git_worktree_path(wt.get());
        return info;
      }
      // Registered but its folder is gone: drop the stale metadata and recreate.
      git_worktree_prune_options popts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
      popts.flags = GIT_WORKTREE_PRUNE_VALID;
      prune_worktree_metadata(wt.get(), popts, common_dir, info.name,
                              "prune stale worktree " + info.name);
    }
    if (stdfs::exists(info.path) && !stdfs::is_empty(info.path))
      throw failure(fmt::format("{} exists but is not a registered worktree; move it away or run "
                                "`sdlc-actors worktrees remove {} --force`",
                                info.path.string(), id));

    exclude_base(repo.get());
    exclude_locally(repo.get(), std::string("/") + worktree_marker_name);

    auto branch = story_branch(repo.get(), info.branch, merge_branches, id);
    // libgit2 does not create parents. A folder we make is ours to flag:
    // worktrees are unrelated trees, as /home's are (worktree.basePath may
    // name a folder of the user's, which is left as it is).
    if (stdfs::create_directories(base_)) fs::spread_subfolders(base_);
    git_worktree_add_options opts = GIT_WORKTREE_ADD_OPTIONS_INIT;
    opts.ref = branch.get();
    opts.checkout_options.checkout_strategy = GIT_CHECKOUT_NONE; // after the lock
    // Nothing to filter (the usual repository): no attribute lookups, which
    // cost libgit2 a realpath per file (docs/benchmarks.md).
    auto tree = tree_of(branch_commit(repo.get(), info.branch).get());
    filters = checkout_needs_filters(repo.get(), tree.get());
    adding.emplace(common_dir, info.name, info.path);
    began_add = true;
    git_worktree* wt = nullptr;
    check(git_worktree_add(&wt, repo.get(), info.name.c_str(), info.path.c_str(), &opts),
          "add worktree " + info.path.string());
    added.reset(wt);
  }
  check_out_new_worktree(added.get(), filters);
  // What proves later that this folder is ours to remove (and nothing else is).
  write_worktree_marker(info.path, common_dir, info.name, info.branch);
  adding->finish();
  info.created = true;
  return info;
}

// An add of ours whose metadata a `git worktree prune` deleted midway (git gc
// runs one) is made again: the next attempt undoes what it left, under the
// lock, as it undoes a killed add. With a prune in a loop beside the adds, up
// to one add in ten lost its metadata; five in a row would be a prune that
// never stops, and the last failure is reported.
worktree_info worktree_service::ensure(const std::string& id, const std::string& slug,
                                       const std::vector<std::string>& merge_branches) {
  for (int attempt = 1;; ++attempt) {
    bool began_add = false;
    try {
      return add_or_reuse(id, slug, merge_branches, began_add);
    } catch (const error&) {
      if (!began_add || attempt == 5 || !add_lost_its_metadata(common_dir(), name_for(id, slug)))
        throw;
    }
  }
}

void worktree_service::remove(const std::string& id, const std::string& slug, bool force) {
  remove_named(name_for(id, slug), force, id);
}

void worktree_service::prune_stale(const std::string& name) {
  auto repo = open(root_);
  auto lock = worktree_lock(repo.get());
  git_worktree* raw = nullptr;
  if (git_worktree_lookup(&raw, repo.get(), name.c_str()) != 0) return;
  worktree_ptr wt(raw);
  if (git_worktree_validate(wt.get()) == 0) return; // valid: not stale
  prune_worktree_metadata(wt.get(), GIT_WORKTREE_PRUNE_OPTIONS_INIT,
                          git_repository_commondir(repo.get()), name,
                          "prune worktree metadata " + name);
}

void worktree_service::remove_named(const std::string& name, bool force, const std::string& id) {
  remove_worktree(root_, name, id, force, false);
}

void worktree_service::remove_owned(const std::string& name, const std::string& id, bool force) {
  remove_worktree(root_, name, id, force, true);
}

stdfs::path worktree_service::common_dir() const {
  auto repo = open(root_);
  return git_repository_commondir(repo.get());
}

std::vector<worktree_listing> worktree_service::list() const {
  auto repo = open(root_);
  git_strarray names{};
  check(git_worktree_list(&names, repo.get()), "list worktrees");
  std::vector<worktree_listing> out;
  for (std::size_t i = 0; i < names.count; ++i) {
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo.get(), names.strings[i]) != 0) continue;
    worktree_ptr wt(raw);
    worktree_listing l;
    l.name = names.strings[i];
    l.path = git_worktree_path(wt.get());
    l.valid = git_worktree_validate(wt.get()) == 0;
    if (l.valid) {
      git_repository* wr = nullptr;
      if (git_repository_open_from_worktree(&wr, wt.get()) == 0) {
        repo_ptr wrepo(wr);
        git_reference* head = nullptr;
        if (git_repository_head(&head, wrepo.get()) == 0) {
          ref_ptr h(head);
          const char* shorthand = git_reference_shorthand(head);
          l.branch = shorthand ? shorthand : "";
        }
      }
    }
    out.push_back(std::move(l));
  }
  git_strarray_dispose(&names);
  return out;
}

std::vector<std::string> worktree_service::dirty_files(const stdfs::path& ignore_dir) const {
  std::string ignore = ignore_dir.empty() ? "" : fs::display_path(ignore_dir, root_) + "/";
  std::vector<std::string> out;
  for (auto& path : changed_paths(root_, false, index_refresh::yes))
    if (ignore.empty() || path.rfind(ignore, 0) != 0) out.push_back(std::move(path));
  return out;
}

std::vector<std::string> worktree_service::clear_stale_git_locks(const stdfs::path& worktree) {
  std::vector<std::string> removed;
  auto repo = open(worktree);
  stdfs::path gitdir = git_repository_path(repo.get());
  std::vector<stdfs::path> candidates = {gitdir / "index.lock", gitdir / "HEAD.lock"};
  git_reference* head = nullptr;
  if (git_reference_lookup(&head, repo.get(), "HEAD") == 0) {
    ref_ptr h(head);
    if (const char* target = git_reference_symbolic_target(head))
      candidates.push_back(stdfs::path(git_repository_commondir(repo.get())) /
                           (std::string(target) + ".lock"));
  }
  std::error_code ec;
  for (const auto& f : candidates)
    if (stdfs::remove(f, ec)) removed.push_back(f.string());
  return removed;
}

void worktree_service::discard_uncommitted(const stdfs::path& worktree) {
  auto repo = open(worktree);
  git_object* head = nullptr;
  check(git_revparse_single(&head, repo.get(), "HEAD^{commit}"), "find HEAD");
  object_ptr owner(head);
  check(git_reset(repo.get(), head, GIT_RESET_HARD, nullptr), "reset " + worktree.string());
  // git_reset replaces the checkout strategy with plain FORCE, so untracked
  // files (a killed agent's new files, its half-written temp files) survive
  // it; a second checkout of the same tree removes them. Ignored files stay.
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
  check(git_checkout_tree(repo.get(), head, &opts),
        "remove untracked files in " + worktree.string());
  // A merge left for the agent is abandoned with its edits: no MERGE_HEAD may
  // make the next commit claim a merge whose changes it does not contain.
  check(git_repository_state_cleanup(repo.get()), "forget an unfinished merge");
}

void worktree_service::require_clean(const stdfs::path& ignore_dir) const {
  auto dirty = dirty_files(ignore_dir);
  if (!dirty.empty())
    throw bad_input(fmt::format(
        "the main checkout has uncommitted changes ({}{}); commit or stash them, or pass --force",
        dirty.front(), dirty.size() > 1 ? fmt::format(" and {} more", dirty.size() - 1) : ""));
}

std::optional<std::string> worktree_service::commit_all(const stdfs::path& worktree,
                                                        const std::string& message) {
  auto repo = open(worktree);
  git_index* raw_index = nullptr;
  check(git_repository_index(&raw_index, repo.get()), "open the index");
  index_ptr index(raw_index);
  git_strarray all{};
  char star[] = "*";
  char* paths[] = {star};
  all.strings = paths;
  all.count = 1;
  // One pass over the working tree, as `git add -A`: libgit2's add_all walks
  // the index-to-workdir diff with untracked files, so it stages new and
  // changed files and removes deleted ones. A git_index_update_all after it
  // walked the whole tree a second time to find nothing more.
  check(git_index_add_all(index.get(), &all, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr),
        "stage changes and deletions");
  check(git_index_write(index.get()), "write the index");
  git_oid tree_id;
  check(git_index_write_tree(&tree_id, index.get()), "write the tree");

  git_object* head_obj = nullptr;
  check(git_revparse_single(&head_obj, repo.get(), "HEAD^{commit}"), "find HEAD");
  object_ptr head_owner(head_obj);
  auto* parent = reinterpret_cast<git_commit*>(head_obj);
  // A merge the landing lane left for the agent (merge_into) is recorded with
  // both parents even when "ours" won everywhere: otherwise the next landing
  // would meet the same conflict again.
  std::vector<git_oid> merge_heads;
  git_repository_mergehead_foreach(
      repo.get(),
      [](const git_oid* oid, void* out) {
        static_cast<std::vector<git_oid>*>(out)->push_back(*oid);
        return 0;
      },
      &merge_heads);
  if (merge_heads.empty() && git_oid_equal(&tree_id, git_commit_tree_id(parent)))
    return std::nullopt;
  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, repo.get(), &tree_id), "look up the tree");
  tree_ptr tree(raw_tree);
  std::vector<commit_ptr> merged;
  std::vector<const git_commit*> parents = {parent};
  for (const auto& oid : merge_heads) {
    git_commit* c = nullptr;
    check(git_commit_lookup(&c, repo.get(), &oid), "look up the merged commit");
    merged.emplace_back(c);
    parents.push_back(c);
  }
  auto sig = signature(repo.get());
  git_oid commit_id;
  check(git_commit_create(&commit_id, repo.get(), "HEAD", sig.get(), sig.get(), nullptr,
                          message.c_str(), tree.get(), parents.size(), parents.data()),
        "commit");
  check(git_repository_state_cleanup(repo.get()), "finish the merge");
  return oid_string(commit_id);
}

std::optional<std::vector<std::string>> worktree_service::merge_into(const stdfs::path& worktree,
                                                                     const std::string& commit) {
  if (!changed_paths(worktree, true).empty()) return std::nullopt;
  auto repo = open(worktree);
  git_oid oid;
  check(git_oid_fromstr(&oid, commit.c_str()), "read commit id " + commit);
  git_annotated_commit* raw = nullptr;
  check(git_annotated_commit_lookup(&raw, repo.get(), &oid), "look up " + commit);
  std::unique_ptr<git_annotated_commit, deleter<git_annotated_commit, git_annotated_commit_free>>
      theirs(raw);
  const git_annotated_commit* heads[] = {theirs.get()};
  git_merge_options merge_opts = GIT_MERGE_OPTIONS_INIT;
  git_checkout_options checkout_opts = GIT_CHECKOUT_OPTIONS_INIT;
  checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_ALLOW_CONFLICTS;
  check(git_merge(repo.get(), heads, 1, &merge_opts, &checkout_opts),
        "merge " + commit + " into " + worktree.string());
  git_index* raw_index = nullptr;
  check(git_repository_index(&raw_index, repo.get()), "open the index");
  index_ptr index(raw_index);
  return conflicted_paths(index.get());
}

std::optional<worktree_service::commit_info>
worktree_service::head_commit(const stdfs::path& worktree) {
  std::error_code ec;
  if (!stdfs::exists(worktree / ".git", ec)) return std::nullopt;
  auto repo = open(worktree);
  git_object* head_obj = nullptr;
  if (git_revparse_single(&head_obj, repo.get(), "HEAD^{commit}") != 0) return std::nullopt;
  object_ptr owner(head_obj);
  auto* c = reinterpret_cast<git_commit*>(head_obj);
  return commit_info{oid_string(*git_commit_id(c)), git_commit_message(c)};
}

} // namespace sdlc::git
