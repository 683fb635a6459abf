#pragma once
// Which story runs next — the pure core of the scheduler. A DAG from the
// stories' dependencies: a story may start as soon as its own dependencies are
// done (no level barrier). Among those, lower priority first (as in ai-sdlc),
// then the heavier critical path (more work waiting downstream), then id. A
// story that fails or ends blocked blocks every story that depends on it,
// with the reason (fail closed). At most `capacity` run at once.
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace sdlc {

struct schedule_item {
  std::string id;
  long priority = 0;                   // lower first
  std::vector<std::string> depends_on; // ids; those not in the plan count as already done
  double work = 1.0;                   // expected duration, for critical-path weights
};

// held: waits for a person (its plan's approval); holds no slot, and the run
// does not end while one is held unless it is closed.
enum class item_state { waiting, running, done, failed, blocked, held };

class scheduler_core {
public:
  // Throws sdlc::error (bad_input) on a cycle, naming its ids.
  scheduler_core(std::vector<schedule_item> items, int capacity);

  int capacity() const { return capacity_; }
  void set_capacity(int n) { capacity_ = n < 1 ? 1 : n; }

  // Stories to start now (marks them running), in start order.
  std::vector<std::string> take_startable();
  // The order take_startable would use, without taking (for --dry-run and status).
  std::vector<std::string> ready_now() const;

  void mark_done(const std::string& id);
  // Failed or blocked: every dependent (transitively) becomes blocked.
  // Returns the dependents blocked by this, with their reasons.
  std::vector<std::pair<std::string, std::string>>
  mark_failed(const std::string& id, const std::string& why, item_state as = item_state::failed);
  // Put a running (or held) story back to waiting (e.g. interrupted before it
  // started work, or approved).
  void mark_waiting(const std::string& id);
  // A running story now waits for a person: its slot is free.
  void hold(const std::string& id);
  std::vector<std::string> held() const;
  // run --watch: a story added to the board, or one that ended and was
  // changed since (unblocked, edited), is taken (again) as waiting. A story
  // running or held is left alone. Throws bad_input on a cycle, changing nothing.
  void admit(schedule_item item);
  // A story this run finished goes back to work (landing sent it back for
  // rework): waiting again with its place in the plan kept (its priority,
  // as a batch file may have set it, and its dependencies), weighed by the
  // `work` it has left. A story the core does not know is admitted as new.
  void readmit(const std::string& id, double work);
  // run --watch: the run is not finished while nothing runs; only close() ends it.
  void keep_open() { open_ = true; }
  // Stop starting anything (graceful shutdown, --fail-fast).
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

  item_state state_of(const std::string& id) const;
  const std::string& reason_of(const std::string& id) const;
  bool finished() const; // nothing running, nothing startable, nothing held (or closed)
  int running() const;
  int waiting() const;
  int count(item_state s) const;
  double weight_of(const std::string& id) const { return weight_.at(id); }
  // Two stories that must not run at the same time (a high-severity
  // conflict: they change the same files); `why` names the files.
  void set_exclusive(const std::string& a, const std::string& b, const std::string& why);
  void clear_exclusive(const std::string& id); // before `id`'s overlaps are re-checked
  // Running stories `id` must wait for, with why.
  std::vector<std::pair<std::string, std::string>> conflicting_running(const std::string& id) const;
  // Dependencies of `id` that are not done yet.
  std::vector<std::string> blockers_of(const std::string& id) const;
  const std::vector<std::string>& ids() const { return order_; }
  bool contains(const std::string& id) const { return items_.count(id) != 0; }
  // Waiting stories whose reason to wait may have changed since the last
  // call — their own state, a dependency's or an exclusive partner's moved —
  // in input order; every story after construction or admit. The scheduler
  // tells the status only these, so an event costs its neighbours.
  std::vector<std::string> take_touched();
  void touch_all();

private:
  void link(); // dependencies inside the plan, dependents, critical-path weights
  // After the dependents are known: every weight from scratch. Returns how
  // many stories it weighed (fewer than all: a cycle).
  std::size_t weigh_all();
  [[noreturn]] void refuse_cycles() const; // throws bad_input naming a cycle
  // Every state change goes through here: it keeps the per-state counts, each
  // story's count of dependencies not done, and the ready set, so that an
  // event costs its story's neighbours, not the board (issue 17).
  void set_state(const std::string& id, item_state s);
  void rebuild_index(); // after link(): counts, unmet, ready from scratch
  // `declared` without the ids outside the plan (they count as done) and
  // repeats; `joining` counts as inside (the story being admitted).
  std::vector<std::string> inside_of(const std::vector<std::string>& declared,
                                     const std::string& joining = {}) const;
  // Throws bad_input naming the cycle if `id` depending on `inside`, and the
  // stories in `gaining` depending on `id`, would close one.
  void refuse_cycle_through(const std::string& id, const std::vector<std::string>& inside,
                            const std::set<std::string>& gaining) const;
  void reweigh_upstream(std::vector<std::string> stale);
  // Start order: priority, then the heavier critical path, then id.
  struct rank {
    long priority;
    double weight;
    std::string id;
    bool operator<(const rank& o) const {
      if (priority != o.priority) return priority < o.priority;
      if (weight != o.weight) return weight > o.weight;
      return id < o.id;
    }
  };
  rank rank_of(const std::string& id) const;
  void update_ready(const std::string& id);
  void touch(const std::string& id);
  // Read-only: operator[] would add an empty entry for every story looked at.
  const std::vector<std::string>& dependents_of(const std::string& id) const;

  // Keyed by id without order: a lookup hashes the id once instead of
  // comparing it down a tree (a seventh of a 100,000-story dry run was those
  // comparisons). What is walked in an order that shows — dependents, a
  // story's exclusive partners, the ready set — stays ordered.
  template <class T> using by_id = std::unordered_map<std::string, T>;
  std::vector<std::string> order_; // input order
  by_id<schedule_item> items_;
  by_id<std::vector<std::string>> declared_; // depends_on as given
  by_id<item_state> state_;
  by_id<std::string> reason_;
  by_id<double> weight_;
  by_id<std::vector<std::string>> dependents_;          // in id order
  by_id<std::set<std::string>> outside_dependents_;     // not in the plan -> who named it
  by_id<std::map<std::string, std::string>> exclusive_; // id -> other -> why
  by_id<int> unmet_;                                    // dependencies inside the plan not done
  std::set<rank> ready_;                                // waiting, every dependency done
  std::array<int, 6> counts_{};                         // stories per item_state
  by_id<std::size_t> position_;                         // id -> index in order_
  std::set<std::size_t> touched_;                       // positions, see take_touched
  int capacity_;
  bool open_ = false;
  bool closed_ = false;
};

} // namespace sdlc
