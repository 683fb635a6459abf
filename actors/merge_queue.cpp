#include "actors/merge_queue.hpp"

#include "runtime/land/lane.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <sstream>

namespace sdlc {

namespace {

struct merge_queue_state {
  std::unique_ptr<board> the_board;
  std::unique_ptr<lane> active; // the lane stories land through
  landing_listener_actor scheduler;
  landing_listener_actor status;
  bool stepping = false; // an atoms::step is on its way
  std::string broken;    // why there is no lane (it could not be opened): every story waits
  static inline const char* name = "merge_queue";
};

using merge_queue_ptr = merge_queue_actor::stateful_pointer<merge_queue_state>;

void tell(merge_queue_ptr self, landing_event e) {
  caf::anon_send(self->state.status, e);
  // An open pull request has not ended the story's landing: the scheduler
  // hears only of ends.
  if (!e.story.empty() && e.kind != landing_kind::pr_opened)
    caf::anon_send(self->state.scheduler, std::move(e));
}

landing_kind kind_of(land_result r) {
  switch (r) {
  case land_result::landed:
    return landing_kind::landed;
  case land_result::conflict:
  case land_result::red:
    return landing_kind::sent_back;
  case land_result::blocked:
    return landing_kind::blocked;
  case land_result::waiting:
    break;
  }
  return landing_kind::waiting;
}

// Never throws: a lane that cannot open leaves `broken` set, and every story
// sent here is told it waits, and why (the actor must not die: it is linked).
void reopen_lane(merge_queue_ptr self) {
  auto& st = self->state;
  try {
    st.active = sdlc::open_lane(*st.the_board, false);
    st.broken.clear();
  } catch (const std::exception& e) {
    st.active.reset();
    st.broken = e.what();
  }
}

void step_soon(merge_queue_ptr self) {
  if (self->state.stepping) return;
  self->state.stepping = true;
  self->send(self, atoms::step::value);
}

// One batch, then the next by message: a shutdown between two batches is
// taken at once.
void land_one_batch(merge_queue_ptr self) {
  auto& st = self->state;
  st.stepping = false;
  if (!st.active) return;
  std::ostringstream progress;
  std::vector<landed_story> ended;
  try {
    ended = st.active->step(progress);
  } catch (const std::exception& e) {
    // git or the checks could not run: every story waiting here is told why,
    // and the lane starts over from the board as it is.
    for (const auto& id : st.active->pending())
      tell(self, {id, landing_kind::waiting, e.what(), time::now_ms()});
    reopen_lane(self);
    return;
  }
  std::istringstream lines(progress.str());
  for (std::string line; std::getline(lines, line);)
    tell(self, {"", landing_kind::progress, line, time::now_ms()});
  for (auto& [id, url] : st.active->take_opened())
    tell(self, {id, landing_kind::pr_opened, url, time::now_ms()});
  for (const auto& e : ended)
    tell(self, {e.id, kind_of(e.result),
                e.result == land_result::landed ? e.commit.substr(0, 8) + " on " + st.active->base()
                                                : e.detail,
                time::now_ms()});
  if (const auto& why = st.active->stopped()) {
    for (const auto& id : st.active->pending())
      tell(self, {id, landing_kind::waiting, *why, time::now_ms()});
    return;
  }
  if (st.active->idle()) return;
  if (auto later = st.active->poll_after(); later.count() > 0) {
    // A pull request's checks are still running: ask GitHub again later (a
    // story arriving meanwhile steps at once: `stepping` stays false).
    self->delayed_send(self, later, atoms::step::value);
    return;
  }
  step_soon(self);
}

merge_queue_actor::behavior_type merge_queue_behavior(merge_queue_ptr self, board b,
                                                      landing_listener_actor scheduler,
                                                      landing_listener_actor status) {
  auto& st = self->state;
  st.the_board = std::make_unique<board>(std::move(b));
  st.scheduler = std::move(scheduler);
  st.status = std::move(status);
  reopen_lane(self);
  return {
      [=](atoms::land, const std::string& id) {
        auto& s = self->state;
        if (!s.active) {
          tell(self, {id, landing_kind::waiting, "the landing lane could not open: " + s.broken,
                      time::now_ms()});
          return;
        }
        try {
          auto story = s.the_board->find(id);
          if (story.str("branch").empty()) {
            tell(self, {id, landing_kind::landed, "no branch: its work is in the main checkout",
                        time::now_ms()});
            return;
          }
          s.active->add(story);
        } catch (const std::exception& e) {
          tell(self, {id, landing_kind::waiting, e.what(), time::now_ms()});
          return;
        }
        step_soon(self);
      },
      [=](atoms::step) { land_one_batch(self); },
      [=](atoms::shutdown) { self->quit(); },
  };
}

} // namespace

merge_queue_actor spawn_merge_queue(caf::actor_system& sys, board b,
                                    landing_listener_actor scheduler,
                                    landing_listener_actor status) {
  // Detached: merges, checkouts and the build/test commands block.
  return sys.spawn<caf::detached>(merge_queue_behavior, std::move(b), std::move(scheduler),
                                  std::move(status));
}

} // namespace sdlc
