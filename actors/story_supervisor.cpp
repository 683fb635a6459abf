#include "actors/story_supervisor.hpp"

#include "actors/actor_clock.hpp"
#include "runtime/util/time.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <map>

namespace sdlc {

namespace {

struct child {
  story_actor handle;
  std::deque<std::chrono::milliseconds> restarts;
  int incarnation = 0;
  bool finished = false;
  bool restart_pending = false;
};

struct supervisor_state {
  story_report_actor parent;
  story_factory make_story;
  restart_policy policy;
  std::map<std::string, child> children;
  std::map<caf::actor_addr, std::string> by_addr;
  bool draining = false;
  bool stopping = false;
  static inline const char* name = "story_supervisor";
};

using supervisor_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void launch(supervisor_ptr self, const std::string& id) {
  auto& st = self->state;
  auto& c = st.children[id];
  c.restart_pending = false;
  c.finished = false; // a story back from waiting for approval is supervised again
  c.handle = st.make_story(self, id, c.incarnation);
  st.by_addr[c.handle.address()] = id;
  self->monitor(c.handle);
  caf::anon_send(c.handle, atoms::step::value);
  // A drain or shutdown that arrived while this child was being restarted
  // must reach the new incarnation (the restart race).
  if (st.stopping)
    caf::anon_send(c.handle, atoms::shutdown::value);
  else if (st.draining)
    caf::anon_send(c.handle, atoms::drain::value);
}

void report_finished(supervisor_ptr self, const std::string& id, story_result result,
                     const std::string& detail) {
  auto& c = self->state.children[id];
  c.finished = true;
  caf::anon_send(self->state.parent, story_finished{id, result, detail, time::now_ms()});
}

// Drain or shutdown: running children get `msg`; a child waiting for its
// restart is not restarted but ends as interrupted.
void stop_children(supervisor_ptr self, const caf::message& msg) {
  for (auto& [id, c] : self->state.children) {
    if (c.finished) continue;
    if (c.restart_pending)
      report_finished(self, id, story_result::interrupted, "stopped while waiting to restart");
    else if (c.handle)
      caf::anon_send(caf::actor_cast<caf::actor>(c.handle), msg);
  }
}

} // namespace

supervisor_actor::behavior_type supervisor_behavior(supervisor_ptr self, story_report_actor parent,
                                                    story_factory make_story,
                                                    restart_policy policy) {
  self->state.parent = std::move(parent);
  self->state.make_story = std::move(make_story);
  self->state.policy = policy;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.by_addr.find(dm.source);
    if (it == st.by_addr.end()) return;
    auto id = it->second;
    st.by_addr.erase(it);
    auto& c = st.children[id];
    // A detached actor's thread (CAF 0.17) lives until the last strong handle
    // goes: holding ended children would keep one thread per story ever run.
    c.handle = nullptr;
    if (c.finished) return;
    auto why =
        dm.reason ? self->system().render(dm.reason) : std::string("stopped without finishing");
    if (st.stopping || st.draining) {
      report_finished(self, id, story_result::interrupted, "story actor ended: " + why);
      return;
    }
    auto d = decide_restart(c.restarts, now_of(self), st.policy);
    if (!d.restart) {
      report_finished(self, id, story_result::failed, d.reason + "; last: " + why);
      return;
    }
    ++c.incarnation;
    c.restart_pending = true;
    caf::anon_send(st.parent, story_event{id, event_kind::restarting, action_type::none,
                                          fmt::format("story actor died ({}); restart {} in {} ms",
                                                      why, c.incarnation, d.delay.count()),
                                          time::now_ms()});
    self->delayed_send(self, d.delay, atoms::restart::value, id);
  });
  return {
      [=](atoms::start, const std::string& id) { launch(self, id); },
      [=](atoms::restart, const std::string& id) {
        auto& st = self->state;
        auto& c = st.children[id];
        if (c.finished || !c.restart_pending) return;
        if (st.stopping) {
          report_finished(self, id, story_result::interrupted, "stopped while waiting to restart");
          return;
        }
        launch(self, id);
      },
      [=](story_event& e) { caf::anon_send(self->state.parent, std::move(e)); },
      [=](usage_report& u) { caf::anon_send(self->state.parent, std::move(u)); },
      [=](story_finished& f) {
        auto& st = self->state;
        st.children[f.story].finished = true;
        caf::anon_send(st.parent, std::move(f));
      },
      [=](atoms::drain) {
        self->state.draining = true;
        stop_children(self, caf::make_message(atoms::drain::value));
      },
      [=](atoms::shutdown) {
        self->state.stopping = true;
        stop_children(self, caf::make_message(atoms::shutdown::value));
      },
  };
}

supervisor_actor spawn_story_supervisor(caf::actor_system& sys, story_report_actor parent,
                                        story_factory make_story, restart_policy policy) {
  return sys.spawn(supervisor_behavior, std::move(parent), std::move(make_story), policy);
}

} // namespace sdlc
