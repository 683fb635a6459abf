#include "actors/status.hpp"

#include "runtime/console/dashboard.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/report/run_journal.hpp"

#include "runtime/util/time.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <iostream>

namespace sdlc {

namespace {

constexpr auto frame = std::chrono::milliseconds(100); // at most ~10 redraws a second

struct status_state {
  std::unique_ptr<dashboard_model> model;
  bool live = false;
  bool color = false;
  bool dirty = true;
  bool ended = false;
  int drawn_lines = 0;
  std::shared_ptr<run_journal> journal;
  std::optional<notification_picker> picker;
  bool console = false; // notifications printed here
  notifier_actor notifier;
  static inline const char* name = "status";
};

using status_ptr = status_actor::stateful_pointer<status_state>;

void draw(status_ptr self) {
  auto& st = self->state;
  std::string out;
  if (st.drawn_lines > 0)
    out += "\x1b[" + std::to_string(st.drawn_lines) + "A\x1b[J"; // back to the top, clear below
  // The size is read on every frame, so a resized terminal is redrawn to fit.
  auto text = st.model->render(term::columns(1), time::now_ms(), st.color, term::rows(1));
  st.drawn_lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  std::cout << out << text << std::flush;
  st.dirty = false;
}

// A line that stays: above a live dashboard (which is drawn again under it),
// or after the plain lines.
void print_line(status_ptr self, const std::string& line) {
  auto& st = self->state;
  if (!st.live || st.ended) {
    std::cout << line << "\n" << std::flush;
    return;
  }
  if (st.drawn_lines > 0) std::cout << "\x1b[" << st.drawn_lines << "A\x1b[J";
  std::cout << line << "\n";
  st.drawn_lines = 0;
  draw(self);
}

void notify(status_ptr self, std::optional<notification> n) {
  auto& st = self->state;
  if (!n) return;
  if (st.journal) st.journal->append(journal_line(*n));
  if (st.console) {
    const term::style style{st.color}; // a person is needed: it stands out
    print_line(self, needs_action(n->kind) ? style.yellow(console_line(*n)) : console_line(*n));
  }
  if (st.notifier) self->send(st.notifier, std::move(*n));
}

void start_notifications(status_ptr self, status_options::notifications n) {
  auto& st = self->state;
  st.picker.emplace(std::move(n.picker));
  st.console = n.console;
  if (n.notifier) {
    st.notifier = spawn_notifier(self->system(), std::move(*n.notifier),
                                 caf::actor_cast<receiver_actor<delivery_failed>>(self));
    self->link_to(st.notifier);
  }
}

} // namespace

status_actor::behavior_type status_behavior(status_ptr self, status_options opts) {
  auto& st = self->state;
  st.model = std::make_unique<dashboard_model>(opts.limit, time::now_ms());
  st.live = opts.live;
  st.color = opts.color;
  for (const auto& [id, title, expected] : opts.stories)
    st.model->add_story(id, title, expected);
  st.journal = std::move(opts.journal);
  if (opts.notify) start_notifications(self, std::move(*opts.notify));
  // Frames draw a live dashboard and flush the journal.
  if (st.live || st.journal) self->delayed_send(self, frame, atoms::render::value);
  auto record = [=](const nlohmann::json& line) {
    if (auto& j = self->state.journal) j->append(line);
  };
  auto pick = [=](const auto& event) {
    if (auto& p = self->state.picker) notify(self, p->pick(event));
  };
  // A plain line for an event worth one (not on a live dashboard).
  auto say = [=](const std::optional<std::string>& line) {
    auto& s = self->state;
    if (!s.live && line && !s.ended) std::cout << *line << "\n" << std::flush;
    s.dirty = true;
  };
  return {
      [=](story_event& e) {
        if (journaled(e.kind)) record(journal_line(e));
        say(self->state.model->apply(e));
        pick(e);
      },
      [=](agent_progress& p) { say(self->state.model->apply(p)); },
      [=](process_started&) {}, // the story's log has it; the dashboard shows no pids
      [=](usage_report& u) {
        record(journal_line(u));
        self->state.model->apply(u);
      },
      [=](story_finished& f) {
        record(journal_line(f));
        say(self->state.model->apply(f));
        pick(f);
      },
      [=](story_waiting& w) {
        record(journal_line(w));
        self->state.model->apply(w);
        pick(w);
      },
      [=](limiter_stats& l) {
        const auto now = time::now_ms();
        record(journal_line(l, now));
        self->state.model->apply(l, now);
      },
      [=](landing_event& e) {
        record(journal_line(e));
        say(self->state.model->apply(e));
        pick(e);
      },
      [=](concurrency_level& l) {
        record(journal_line(l));
        say(self->state.model->apply(l));
      },
      [=](atoms::render) {
        auto& s = self->state;
        if (s.ended) return;
        if (s.journal) s.journal->flush();
        if (s.live) draw(self); // always: the clock and ETA move even without events
        self->delayed_send(self, frame, atoms::render::value);
      },
      [=](atoms::summary) -> std::string {
        auto& s = self->state;
        if (s.live) draw(self);
        s.ended = true;
        const auto now = time::now_ms();
        if (s.picker) notify(self, s.picker->run_finished(s.model->one_line(now), now));
        if (s.journal) {
          nlohmann::json end;
          end["event"] = "run_finished";
          end["at_ms"] = time::now_ms();
          end["summary"] = s.model->summary(false); // the journal holds no escape codes
          s.journal->append(end);
          s.journal->flush();
        }
        return s.model->summary(s.color);
      },
      [=](delivery_failed& f) {
        // The journal ends with run_finished (report measures the run to its
        // last line): a failure after it is only printed.
        if (!self->state.ended) record(journal_line(f));
        print_line(self, describe(f)); // also after the end: the last one may fail then
      },
      [=](atoms::flush) -> caf::result<int> {
        if (!self->state.notifier) return 0;
        // Asked (not delegated) so the answer comes after the failures the
        // notifier told before it: one sender's messages arrive in order.
        auto rp = self->make_response_promise<int>();
        self->request(self->state.notifier, std::chrono::minutes(10), atoms::flush::value)
            .then([=](int failed) mutable { rp.deliver(failed); },
                  [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

status_actor spawn_status(caf::actor_system& sys, status_options opts) {
  return sys.spawn(status_behavior, std::move(opts));
}

} // namespace sdlc
