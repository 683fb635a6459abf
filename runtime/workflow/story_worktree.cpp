#include "runtime/workflow/story_worktree.hpp"

#include "runtime/git/worktree_service.hpp"
#include "runtime/story/board.hpp"

#include <filesystem>

namespace sdlc {

std::string remove_story_worktree(board& b, const story& s, story_cache* cache) {
  auto wt = s.str("worktree_path");
  if (wt.empty()) return wt;
  git::worktree_service(b.project_root(), b.cfg().worktree_base_path)
      .remove_owned(std::filesystem::path(wt).filename().string(), s.id(), false);
  b.update_file(
      s.file(), [](story& x) { x.erase("worktree_path"); }, cache);
  return wt;
}

} // namespace sdlc
