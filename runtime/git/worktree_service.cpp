#include "runtime/git/worktree_service.hpp"

#include "runtime/git/repository.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <fstream>

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
  if (!text.empty() && text.back() != '\n')
    text += '\n';
  text += pattern + "\n";
  fs::atomic_write(file, text);
}

} // namespace

worktree_service::worktree_service(stdfs::path project_root, stdfs::path base_path)
    : root_(std::move(project_root)),
      base_(base_path.is_absolute() ? std::move(base_path) : root_ / base_path) {}

std::string worktree_service::name_for(const std::string& id, const std::string& slug) {
  return slug.empty() ? id : id + "-" + slug;
}

std::string worktree_service::branch_for(const std::string& id, const std::string& slug) {
  return "ai-sdlc/" + name_for(id, slug);
}

worktree_info worktree_service::ensure(const std::string& id, const std::string& slug) {
  auto repo = open(root_);
  worktree_info info;
  info.name = name_for(id, slug);
  info.branch = branch_for(id, slug);
  info.path = base_ / info.name;

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
    check(git_worktree_prune(wt.get(), &popts), "prune stale worktree " + info.name);
  }
  if (stdfs::exists(info.path) && !stdfs::is_empty(info.path))
    throw failure(fmt::format("{} exists but is not a registered worktree; move it away or run "
                              "`sdlc-actors worktrees remove {} --force`",
                              info.path.string(), id));

  auto rel_base = fs::display_path(base_, root_);
  if (rel_base != base_.string())
    exclude_locally(repo.get(), "/" + rel_base + "/");

  // The story branch: reuse it, or start it at the base branch's head.
  git_reference* branch_ref = nullptr;
  if (git_branch_lookup(&branch_ref, repo.get(), info.branch.c_str(), GIT_BRANCH_LOCAL) != 0) {
    git_object* head = nullptr;
    check(git_revparse_single(&head, repo.get(), "HEAD^{commit}"),
          "find HEAD (does the repository have a commit?)");
    object_ptr head_owner(head);
    check(git_branch_create(&branch_ref, repo.get(), info.branch.c_str(),
                            reinterpret_cast<git_commit*>(head), 0),
          "create branch " + info.branch);
  }
  ref_ptr branch(branch_ref);
  stdfs::create_directories(base_); // libgit2 does not create parents
  git_worktree_add_options opts = GIT_WORKTREE_ADD_OPTIONS_INIT;
  opts.ref = branch.get();
  git_worktree* wt = nullptr;
  check(git_worktree_add(&wt, repo.get(), info.name.c_str(), info.path.c_str(), &opts),
        "add worktree " + info.path.string());
  worktree_ptr owner(wt);
  info.created = true;
  return info;
}

void worktree_service::remove(const std::string& id, const std::string& slug, bool force) {
  auto repo = open(root_);
  auto name = name_for(id, slug);
  git_worktree* raw = nullptr;
  if (git_worktree_lookup(&raw, repo.get(), name.c_str()) != 0)
    throw bad_input(fmt::format("{} has no worktree named {}", id, name));
  worktree_ptr wt(raw);
  stdfs::path path = git_worktree_path(wt.get());
  if (!force && stdfs::exists(path)) {
    auto dirty = worktree_service(path, base_).dirty_files({});
    if (!dirty.empty())
      throw bad_input(fmt::format("the worktree of {} has uncommitted changes ({}{}); commit them "
                                  "or use --force",
                                  id, dirty.front(), dirty.size() > 1 ? ", ..." : ""));
  }
  git_worktree_prune_options popts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
  popts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE |
                (force ? static_cast<uint32_t>(GIT_WORKTREE_PRUNE_LOCKED) : 0u);
  check(git_worktree_prune(wt.get(), &popts), "remove worktree " + name);
  std::error_code ec;
  stdfs::remove_all(path, ec);
}

std::vector<worktree_listing> worktree_service::list() const {
  auto repo = open(root_);
  git_strarray names{};
  check(git_worktree_list(&names, repo.get()), "list worktrees");
  std::vector<worktree_listing> out;
  for (std::size_t i = 0; i < names.count; ++i) {
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo.get(), names.strings[i]) != 0)
      continue;
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
  auto repo = open(root_);
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo.get(), &opts), "read status");
  status_ptr list(raw);
  std::string ignore = ignore_dir.empty() ? "" : fs::display_path(ignore_dir, root_) + "/";
  std::vector<std::string> out;
  for (std::size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const auto* e = git_status_byindex(list.get(), i);
    if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
      continue;
    const git_diff_delta* d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
    std::string path = d && d->new_file.path ? d->new_file.path : "";
    if (!ignore.empty() && path.rfind(ignore, 0) == 0)
      continue;
    out.push_back(path);
  }
  return out;
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
  check(git_index_add_all(index.get(), &all, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), "stage changes");
  check(git_index_update_all(index.get(), &all, nullptr, nullptr), "stage deletions");
  check(git_index_write(index.get()), "write the index");
  git_oid tree_id;
  check(git_index_write_tree(&tree_id, index.get()), "write the tree");

  git_object* head_obj = nullptr;
  check(git_revparse_single(&head_obj, repo.get(), "HEAD^{commit}"), "find HEAD");
  object_ptr head_owner(head_obj);
  auto* parent = reinterpret_cast<git_commit*>(head_obj);
  if (git_oid_equal(&tree_id, git_commit_tree_id(parent)))
    return std::nullopt;
  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, repo.get(), &tree_id), "look up the tree");
  tree_ptr tree(raw_tree);
  auto sig = signature(repo.get());
  git_oid commit_id;
  const git_commit* parents[] = {parent};
  check(git_commit_create(&commit_id, repo.get(), "HEAD", sig.get(), sig.get(), nullptr,
                          message.c_str(), tree.get(), 1, parents),
        "commit");
  return oid_string(commit_id);
}

} // namespace sdlc::git
