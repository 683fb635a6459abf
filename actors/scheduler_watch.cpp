#include "actors/scheduler_state.hpp"

#include "runtime/git/repository.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <filesystem>

namespace sdlc::scheduler_detail {

namespace {

namespace stdfs = std::filesystem;

file_stamp stamp_of(const stdfs::path& file) {
  std::error_code ec;
  auto when = stdfs::last_write_time(file, ec);
  auto size = ec ? 0 : stdfs::file_size(file, ec);
  if (ec) return {}; // unreadable now: compared again on the next look
  return fmt::format("{}:{}", when.time_since_epoch().count(), size);
}

// run --watch: the run's selection on the board as `listed` shows it; what
// is new, or changed since it ended, joins the run — checked for conflicts
// as the run's start checks its stories, before it can start.
void pick_up_from_board(scheduler_ptr self, const board_listing& listed) {
  auto& st = self->state;
  const auto& b = *st.the_board;
  auto plan = make_run_plan(b, b.scan(scan_depth::summary, listed), *st.opts.watch);
  std::map<std::string, file_stamp> now;
  for (const auto& it : plan.items)
    if (st.ended_stamp.count(it.id)) now[it.id] = stamp_of(plan.files[it.id]);
  git::repo_ptr repo; // opened once a look picks something up
  for (auto& item : watch_pickup(plan.items, *st.core, st.ended_stamp, now)) {
    bool again = st.core->contains(item.id);
    std::optional<story_files> files;
    if (st.overlaps) { // before it joins: a story that cannot be read joins on a later look
      if (!repo) repo = git::open(b.project_root());
      files =
          files_of(b, story::load(plan.files[item.id]), st.opts.conflicts->base_branch, repo.get());
    }
    st.core->admit(item);
    if (files) on_story_files(self, std::move(*files), true);
    st.ended_stamp.erase(item.id);
    st.told_waiting.erase(item.id);
    note(self, item.id,
         again ? "taken again: its story changed" : "picked up: " + plan.titles[item.id]);
    if (auto w = plan.warnings.find(item.id); w != plan.warnings.end())
      note(self, item.id, "warning: " + w->second);
  }
}

} // namespace

// run --watch: an ended story is taken again only once its file changes
// after this (our own writes for it are done by now).
void remember_end(scheduler_ptr self, const std::string& id) {
  auto& st = self->state;
  if (!st.opts.watch) return;
  try {
    st.ended_stamp[id] = stamp_of(st.the_board->find(id).file());
  } catch (const std::exception&) {
    st.ended_stamp[id] = {}; // unreadable now: compared again on the next look
  }
}

// run --watch: one look at the board, planned again only when a story file
// changed since the last plan (a story ending writes its file, so what it
// frees is seen).
void watch_board(scheduler_ptr self) {
  auto& st = self->state;
  if (st.core->closed()) return;
  try {
    // The plan reads the files this listing names, after it was taken: a
    // write during that read shows in the next look's listing.
    auto listing = st.the_board->listing();
    if (!st.watched || !unchanged_since(*st.watched, listing)) {
      st.watched.reset(); // until a plan of this board is made
      pick_up_from_board(self, listing);
      st.watched = std::move(listing);
    }
    st.watch_problem.clear();
  } catch (const std::exception& e) {
    if (st.watch_problem != e.what()) {
      st.watch_problem = e.what();
      note(
          self, "",
          fmt::format("watch: {} (looking again in {} ms)", e.what(), st.opts.watch_every.count()));
    }
  }
  step(self);
  self->delayed_send(self, st.opts.watch_every, atoms::watch::value);
}

} // namespace sdlc::scheduler_detail
