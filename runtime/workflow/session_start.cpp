// Starting a story's session for a run: its checkpoint read (a corrupt one
// moved aside), an interrupted action recorded or undone and its agent
// stopped, its worktree made or reused with its dependencies' work merged in.
#include "runtime/workflow/story_session.hpp"

#include "runtime/git/remote_sync.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/workflow/transitions.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

// Whether a story's own fields show that action `a` has been applied.
bool effect_recorded_in_story(action_type a, const story& s) {
  switch (a) {
  case action_type::refine:
    return s.status() != story_status::backlog;
  case action_type::research:
    return s.flag("research_complete");
  case action_type::plan:
    return s.flag("plan_complete");
  case action_type::implement:
    return s.flag("implementation_complete");
  case action_type::review:
    return s.flag("reviews_complete");
  default:
    return false; // rework: nothing in the story tells
  }
}

// The branches of `names` that exist (a dependency done without a worktree has none).
std::vector<std::string> existing_branches(const stdfs::path& root,
                                           const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (git::branch_tip(root, n)) out.push_back(n);
  return out;
}

} // namespace

// The checkpoint, or none; a corrupt one is moved aside (the flags in the
// story still say which phases are done).
std::optional<workflow_state> story_session::load_checkpoint(const story& s,
                                                             std::vector<std::string>& notes) {
  try {
    return workflow_state::load(s.dir());
  } catch (const error& e) {
    auto file = workflow_state::file_in(s.dir());
    auto aside = file.string() + ".corrupt-" + time::today();
    stdfs::rename(file, aside);
    notes.push_back(fmt::format("{}: {}; moved it to {} and continued from the story's flags", id_,
                                e.what(), board_.rel(aside)));
    return std::nullopt;
  }
}

// An interrupted action: recorded when its effect already landed, its agent
// stopped when still alive. True when it was an edit still to be undone.
bool story_session::resume_interrupted(const workflow_state& state, const story& s,
                                       std::vector<std::string>& notes) {
  auto cur = state.interrupted();
  if (!cur) return false;
  bool interrupted_edit = cur->type == "implement" || cur->type == "rework";
  if (cur->failed)
    notes.push_back(fmt::format("{}: {} failed in an earlier run; trying again", id_,
                                failed_attempts_text(*cur, 1 + board_.cfg().action_retries)));
  else
    notes.push_back(fmt::format("{}: resuming; '{}' was interrupted", id_, cur->type));
  // Killed after the action's effect reached the story but before the
  // checkpoint said so: record it now instead of running it again.
  if (auto a = parse_action(cur->type); a && effect_recorded_in_story(*a, s)) {
    checkpoint_done(*a);
    interrupted_edit = false;
    notes.push_back(
        fmt::format("{}: '{}' had finished before the interruption; recorded it", id_, cur->type));
  }
  // A checkpoint of an older version names its agent; the run has stopped
  // what it found by its environment already (leftover_agents).
  if (cur->pid && process_group_alive(static_cast<pid_t>(*cur->pid)) &&
      is_agent_of_story(*cur->pid, id_))
    notes.push_back(stop_left_over_group(static_cast<pid_t>(*cur->pid), id_));
  return interrupted_edit;
}

// The story's worktree, with its dependencies' work merged into a new
// branch; an interrupted edit recorded (committed already) or undone. False
// when the dependencies' branches conflict (the story is then blocked).
bool story_session::prepare_worktree(const story& s, const std::optional<workflow_state>& state,
                                     bool interrupted_edit, std::vector<std::string>& notes) {
  git::worktree_service wts(board_.project_root(), board_.cfg().worktree_base_path);
  if (!opts_.force) wts.require_clean(board_.sdlc_dir());
  std::vector<std::string> dep_branches;
  for (const auto& dep : s.dependencies()) {
    try {
      auto d = board_.find(dep);
      dep_branches.push_back(d.str("branch").empty()
                                 ? git::worktree_service::branch_for(d.id(), d.slug())
                                 : d.str("branch"));
    } catch (const error&) {
      // Not on the board: the scheduler has refused the run already.
    }
  }
  git::worktree_info wt;
  try {
    wt = wts.ensure(id_, s.slug(), existing_branches(board_.project_root(), dep_branches));
  } catch (const git::merge_conflict& e) {
    auto reason = fmt::format("its dependencies' branches conflict: {}", e.what());
    update([&](story& st) { block(st, reason); });
    notes.push_back(fmt::format("{}: blocked, {}", id_, reason));
    return false;
  }
  cwd_ = wt.path;
  // A run killed inside a git operation leaves git's lock files behind;
  // this run holds the board and the story's agents are stopped.
  for (const auto& f : git::worktree_service::clear_stale_git_locks(cwd_))
    notes.push_back(fmt::format("{}: removed {} left by an interrupted run", id_, f));
  if (interrupted_edit && edit_committed_before_interruption(*state)) {
    interrupted_edit = false;
    const auto a = *parse_action(state->interrupted()->type);
    notes.push_back(fmt::format("{}: '{}' had committed before the interruption; recorded it", id_,
                                to_string(a)));
    update(
        [&](story& st) { a == action_type::implement ? apply_implement(st) : apply_rework(st); });
    checkpoint_done(a);
  }
  // An implement or rework that was interrupted left partial edits (even a
  // half-written temp file of the killed agent). Its effect is redone from
  // the last commit, so it is applied exactly once.
  if (interrupted_edit) {
    git::worktree_service::discard_uncommitted(cwd_);
    notes.push_back(fmt::format("{}: discarded the uncommitted edits of '{}' (redone from the "
                                "last commit)",
                                id_, state->interrupted()->type));
  }
  update([&](story& st) {
    st.set_string("branch", wt.branch);
    st.set_string("worktree_path", board_.rel(wt.path));
  });
  notes.push_back(fmt::format("{}: {} worktree {} on branch {}", id_,
                              wt.created ? "created" : "reusing", board_.rel(wt.path), wt.branch));
  return true;
}

std::vector<std::string> story_session::begin() {
  std::vector<std::string> notes;
  auto s = load();
  auto state = load_checkpoint(s, notes);
  bool interrupted_edit = state && resume_interrupted(*state, s, notes);
  if (state)
    if (auto h = state->content_hash(); h && *h != content_hash())
      notes.push_back(fmt::format("{}: the story file changed since its last checkpoint", id_));
  // A story that already has a worktree keeps using it (resume, --continue).
  if (!opts_.use_worktree && !s.str("worktree_path").empty() &&
      stdfs::exists(board_.project_root() / s.str("worktree_path")))
    opts_.use_worktree = true;
  if (opts_.use_worktree) prepare_worktree(s, state, interrupted_edit, notes);
  for (const auto& n : notes)
    log("orchestrator", n);
  return notes;
}

bool story_session::edit_committed_before_interruption(const workflow_state& state) const {
  auto cur = state.interrupted();
  if (!cur || cur->base_commit.empty()) return false;
  auto a = parse_action(cur->type);
  auto head = git::worktree_service::head_commit(cwd_);
  if (!a || !head || head->sha == cur->base_commit) return false;
  // The branch moved past the action's base with this action's own commit
  // (made here, or a node's adopted): killed between the commit and the
  // story's flag. Redoing it would apply its edits twice.
  const auto ours = commit_subject_prefix(*a);
  return head->message.compare(0, ours.size(), ours) == 0;
}

} // namespace sdlc
