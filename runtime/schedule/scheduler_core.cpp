#include "runtime/schedule/scheduler_core.hpp"

#include "runtime/story/dependency_graph.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace sdlc {

namespace {
void insert_sorted(std::vector<std::string>& ids, const std::string& id) {
  ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
}
} // namespace

scheduler_core::scheduler_core(std::vector<schedule_item> items, int capacity)
    : capacity_(capacity < 1 ? 1 : capacity) {
  for (auto& it : items) {
    position_.emplace(it.id, order_.size());
    order_.push_back(it.id);
    declared_[it.id] = it.depends_on;
    items_[it.id] = it;
    state_[it.id] = item_state::waiting;
  }
  link();
}

void scheduler_core::link() {
  dependents_.clear();
  weight_.clear();
  outside_dependents_.clear();
  // Dependencies outside the plan are treated as satisfied (done earlier).
  // In id order, so that each story's dependents are listed in id order.
  std::vector<std::string> ids(order_);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const auto& id : ids) {
    auto& it = items_.at(id);
    for (const auto& d : declared_.at(id))
      if (!items_.count(d)) outside_dependents_[d].insert(id);
    it.depends_on = inside_of(declared_.at(id));
    for (const auto& d : it.depends_on)
      dependents_[d].push_back(id);
  }
  // Weighing reaches every story unless there is a cycle; only then is the
  // whole graph built to name it (copying every edge into a checker cost a
  // tenth of a 100,000-story dry run that had none).
  if (weigh_all() < items_.size()) refuse_cycles();
  rebuild_index();
}

void scheduler_core::refuse_cycles() const {
  std::map<std::string, std::vector<std::string>> edges;
  for (const auto& [id, it] : items_)
    edges[id] = it.depends_on;
  for (const auto& issue : dependency_graph(std::move(edges)).issues())
    if (issue.kind == dependency_issue::cycle)
      throw bad_input(issue.message() + "; the run cannot start");
  throw std::logic_error("scheduler_core: a story could not be weighed, yet there is no cycle");
}

std::size_t scheduler_core::weigh_all() {
  // Critical-path weight: own work plus the heaviest chain downstream. Sinks
  // first, then each story once all its dependents are weighed, so a board
  // that is one long chain needs no stack frame per story.
  std::unordered_map<std::string, std::size_t> unweighed;
  std::vector<std::string> ready;
  for (const auto& [id, it] : items_) {
    const auto n = dependents_of(id).size();
    unweighed.emplace(id, n);
    if (n == 0) ready.push_back(id);
  }
  while (!ready.empty()) {
    const auto id = std::move(ready.back());
    ready.pop_back();
    double down = 0;
    for (const auto& dep : dependents_of(id))
      down = std::max(down, weight_.at(dep));
    const auto& it = items_.at(id);
    weight_[id] = it.work + down;
    for (const auto& d : it.depends_on)
      if (--unweighed.at(d) == 0) ready.push_back(d);
  }
  return weight_.size();
}

void scheduler_core::rebuild_index() {
  counts_.fill(0);
  unmet_.clear();
  ready_.clear();
  for (const auto& [id, st] : state_)
    ++counts_[static_cast<std::size_t>(st)];
  touch_all();
  for (const auto& [id, it] : items_) {
    int n = 0;
    for (const auto& d : it.depends_on)
      n += state_.at(d) != item_state::done;
    unmet_[id] = n;
    update_ready(id);
  }
}

scheduler_core::rank scheduler_core::rank_of(const std::string& id) const {
  return {items_.at(id).priority, weight_.at(id), id};
}

void scheduler_core::update_ready(const std::string& id) {
  if (state_.at(id) == item_state::waiting && unmet_.at(id) == 0)
    ready_.insert(rank_of(id));
  else
    ready_.erase(rank_of(id));
}

void scheduler_core::touch(const std::string& id) {
  touched_.insert(position_.at(id));
}

void scheduler_core::touch_all() {
  for (std::size_t i = 0; i < order_.size(); ++i)
    touched_.insert(touched_.end(), i);
}

std::vector<std::string> scheduler_core::take_touched() {
  std::vector<std::string> out;
  for (auto i : touched_)
    if (state_.at(order_[i]) == item_state::waiting) out.push_back(order_[i]);
  touched_.clear();
  return out;
}

const std::vector<std::string>& scheduler_core::dependents_of(const std::string& id) const {
  static const std::vector<std::string> none;
  auto d = dependents_.find(id);
  return d == dependents_.end() ? none : d->second;
}

void scheduler_core::set_state(const std::string& id, item_state s) {
  auto& cur = state_.at(id);
  const auto was = cur;
  if (was == s) return;
  touch(id); // its dependents and partners wait on it: their reasons move with it
  for (const auto& dep : dependents_of(id))
    touch(dep);
  if (auto ex = exclusive_.find(id); ex != exclusive_.end())
    for (const auto& [other, _] : ex->second)
      touch(other);
  --counts_[static_cast<std::size_t>(was)];
  ++counts_[static_cast<std::size_t>(s)];
  cur = s;
  if ((was == item_state::done) != (s == item_state::done))
    for (const auto& dep : dependents_of(id)) {
      unmet_.at(dep) += s == item_state::done ? -1 : 1;
      update_ready(dep);
    }
  update_ready(id);
}

std::vector<std::string> scheduler_core::inside_of(const std::vector<std::string>& declared,
                                                   const std::string& joining) const {
  std::vector<std::string> inside;
  for (const auto& d : declared)
    if ((items_.count(d) || d == joining) &&
        std::find(inside.begin(), inside.end(), d) == inside.end())
      inside.push_back(d);
  return inside;
}

void scheduler_core::refuse_cycle_through(const std::string& id,
                                          const std::vector<std::string>& inside,
                                          const std::set<std::string>& gaining) const {
  // The plan had no cycle, so any the change makes passes through `id`: its
  // members are all among what `id` then depends on, transitively.
  std::map<std::string, std::vector<std::string>> edges;
  std::vector<std::string> stack{id};
  while (!stack.empty()) {
    auto x = std::move(stack.back());
    stack.pop_back();
    if (edges.count(x)) continue;
    auto deps = x == id            ? inside
                : gaining.count(x) ? inside_of(declared_.at(x), id)
                                   : items_.at(x).depends_on;
    stack.insert(stack.end(), deps.begin(), deps.end());
    edges.emplace(std::move(x), std::move(deps));
  }
  for (const auto& issue : dependency_graph(std::move(edges)).issues())
    if (issue.kind == dependency_issue::cycle)
      throw bad_input(issue.message() + "; the run cannot start");
}

void scheduler_core::reweigh_upstream(std::vector<std::string> stale) {
  // A weight is a story's work plus the heaviest chain downstream, so a
  // change moves weights upstream only, and only as far as one changes:
  // admitting a light story under a long-known chain stops at its parents.
  // A story may be weighed again when a later change reaches it; in a DAG
  // this ends with every weight as link() would give it.
  while (!stale.empty()) {
    const auto x = std::move(stale.back());
    stale.pop_back();
    double down = 0;
    if (auto d = dependents_.find(x); d != dependents_.end())
      for (const auto& dep : d->second)
        down = std::max(down, weight_.at(dep));
    const double w = items_.at(x).work + down;
    if (w == weight_.at(x)) continue;
    ready_.erase(rank_of(x)); // its place in the start order moves with its weight
    weight_[x] = w;
    update_ready(x);
    const auto& deps = items_.at(x).depends_on;
    stale.insert(stale.end(), deps.begin(), deps.end());
  }
}

void scheduler_core::admit(schedule_item item) {
  const std::string id = item.id;
  if (auto it = state_.find(id);
      it != state_.end() && (it->second == item_state::running || it->second == item_state::held))
    return; // a story the run is working on, or holding, is not taken twice
  // Only what the story touches is redone — its dependencies, the stories
  // that named it while it was outside the plan, the weights upstream — so
  // an admit costs its neighbours, not the board (issue 17).
  const bool known = items_.count(id) != 0;
  auto inside = inside_of(item.depends_on, id);
  std::set<std::string> gaining; // they named `id` before it joined: now they wait for it
  if (auto o = outside_dependents_.find(id); !known && o != outside_dependents_.end())
    gaining = o->second;
  // A cycle through `id` needs a story below it: itself, one that named it,
  // or its dependencies changed under the ones that already wait for it.
  if (!gaining.empty() || std::find(inside.begin(), inside.end(), id) != inside.end() ||
      (known && !dependents_of(id).empty() && inside != items_.at(id).depends_on))
    refuse_cycle_through(id, inside, gaining); // throws before anything changed

  std::vector<std::string> reweigh{id};
  if (known) {
    set_state(id, item_state::waiting);
    ready_.erase(rank_of(id)); // its priority and weight may change
    for (const auto& d : items_.at(id).depends_on) {
      auto& of = dependents_[d];
      if (auto at = std::lower_bound(of.begin(), of.end(), id); at != of.end() && *at == id)
        of.erase(at);
      reweigh.push_back(d);
    }
    for (const auto& d : declared_.at(id))
      if (auto o = outside_dependents_.find(d); o != outside_dependents_.end()) {
        o->second.erase(id);
        if (o->second.empty()) outside_dependents_.erase(o);
      }
  } else {
    position_.emplace(id, order_.size());
    order_.push_back(id);
    state_[id] = item_state::waiting;
    ++counts_[static_cast<std::size_t>(item_state::waiting)];
    weight_[id] = 0;
  }
  touch(id);
  for (const auto& d : item.depends_on)
    if (!items_.count(d) && d != id) outside_dependents_[d].insert(id);
  int unmet = 0; // `inside` does not hold `id`: that was a cycle
  for (const auto& d : inside) {
    insert_sorted(dependents_[d], id);
    unmet += state_.at(d) != item_state::done;
  }
  unmet_[id] = unmet;
  declared_[id] = std::move(item.depends_on);
  item.depends_on = std::move(inside);
  items_[id] = std::move(item);
  reason_.erase(id);
  for (const auto& e : gaining) {
    items_.at(e).depends_on = inside_of(declared_.at(e), id);
    insert_sorted(dependents_[id], e);
    ++unmet_.at(e); // `id` is waiting
    update_ready(e);
    touch(e);
  }
  if (!gaining.empty()) outside_dependents_.erase(id);
  const auto& now_inside = items_.at(id).depends_on; // they gained `id` below them
  reweigh.insert(reweigh.end(), now_inside.begin(), now_inside.end());
  reweigh_upstream(std::move(reweigh));
  update_ready(id);
}

void scheduler_core::readmit(const std::string& id, double work) {
  schedule_item item;
  if (auto known = items_.find(id); known != items_.end()) {
    item = known->second;
    item.depends_on = declared_.at(id); // as given: one outside the plan may join later
  } else
    item.id = id;
  item.work = work;
  admit(std::move(item));
}

std::vector<std::string> scheduler_core::ready_now() const {
  std::vector<std::string> ready;
  for (const auto& r : ready_)
    ready.push_back(r.id);
  return ready;
}

std::vector<std::string> scheduler_core::take_startable() {
  std::vector<std::string> out;
  if (closed_) return out;
  // Walks the ready set in start order; stops once the slots are full.
  for (auto it = ready_.begin(); it != ready_.end() && running() < capacity_;) {
    const auto id = it->id;
    ++it;                                           // set_state erases `id` from the set
    if (!conflicting_running(id).empty()) continue; // it waits; a later one may go
    set_state(id, item_state::running);
    out.push_back(id);
  }
  return out;
}

void scheduler_core::mark_done(const std::string& id) {
  set_state(id, item_state::done);
}

void scheduler_core::mark_waiting(const std::string& id) {
  set_state(id, item_state::waiting);
}

void scheduler_core::hold(const std::string& id) {
  set_state(id, item_state::held);
}

std::vector<std::string> scheduler_core::held() const {
  std::vector<std::string> out;
  if (count(item_state::held) == 0) return out; // the common case, without a walk
  for (const auto& id : order_)
    if (state_.at(id) == item_state::held) out.push_back(id);
  return out;
}

std::vector<std::pair<std::string, std::string>>
scheduler_core::mark_failed(const std::string& id, const std::string& why, item_state as) {
  set_state(id, as);
  reason_[id] = why;
  std::vector<std::pair<std::string, std::string>> blocked;
  std::vector<std::string> stack = {id};
  while (!stack.empty()) {
    auto cur = stack.back();
    stack.pop_back();
    for (const auto& dep : dependents_of(cur)) {
      if (state_.at(dep) != item_state::waiting) continue;
      set_state(dep, item_state::blocked);
      reason_[dep] = fmt::format("dependency {} {}", cur,
                                 state_.at(cur) == item_state::failed ? "failed" : "is blocked");
      blocked.emplace_back(dep, reason_[dep]);
      stack.push_back(dep);
    }
  }
  return blocked;
}

item_state scheduler_core::state_of(const std::string& id) const {
  return state_.at(id);
}

const std::string& scheduler_core::reason_of(const std::string& id) const {
  static const std::string none;
  auto it = reason_.find(id);
  return it == reason_.end() ? none : it->second;
}

int scheduler_core::count(item_state s) const {
  return counts_[static_cast<std::size_t>(s)];
}

int scheduler_core::running() const {
  return count(item_state::running);
}
int scheduler_core::waiting() const {
  return count(item_state::waiting);
}

bool scheduler_core::finished() const {
  if (running() > 0) return false;
  if (closed_) return true;
  if (open_) return false; // run --watch: more work may come
  // A held story comes back when a person acts: the run waits for it.
  return ready_.empty() && count(item_state::held) == 0;
}

void scheduler_core::set_exclusive(const std::string& a, const std::string& b,
                                   const std::string& why) {
  if (!items_.count(a) || !items_.count(b) || a == b) return;
  exclusive_[a][b] = why;
  exclusive_[b][a] = why;
  touch(a);
  touch(b);
}

void scheduler_core::clear_exclusive(const std::string& id) {
  if (!items_.count(id)) return;
  touch(id);
  for (const auto& [other, _] : exclusive_[id]) {
    exclusive_[other].erase(id);
    touch(other);
  }
  exclusive_[id].clear();
}

std::vector<std::pair<std::string, std::string>>
scheduler_core::conflicting_running(const std::string& id) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = exclusive_.find(id);
  if (it == exclusive_.end()) return out;
  for (const auto& [other, why] : it->second)
    if (state_.at(other) == item_state::running) out.emplace_back(other, why);
  return out;
}

std::vector<std::string> scheduler_core::blockers_of(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& d : items_.at(id).depends_on)
    if (state_.at(d) != item_state::done) out.push_back(d);
  return out;
}

} // namespace sdlc
