#include "runtime/land/landing_queue.hpp"

#include <algorithm>
#include <utility>

namespace sdlc {

landing_queue::landing_queue(std::size_t batch_size)
    : batch_size_(std::max<std::size_t>(1, batch_size)) {}

void landing_queue::add(land_candidate c) {
  waiting_.push_back(std::move(c));
}

bool landing_queue::has_landed(const std::string& id) const {
  return std::find(landed_all_.begin(), landed_all_.end(), id) != landed_all_.end();
}

// A story may be merged once what it depends on has landed or is merged
// before it in the same batch.
bool landing_queue::eligible(const land_candidate& c,
                             const std::vector<std::string>& before) const {
  return std::all_of(c.depends_on.begin(), c.depends_on.end(), [&](const std::string& dep) {
    return has_landed(dep) || std::find(before.begin(), before.end(), dep) != before.end();
  });
}

// A new batch from the waiting stories: dependencies first, then priority,
// then arrival.
void landing_queue::open_segment() {
  segment s;
  while (s.ids.size() < batch_size_) {
    auto best = waiting_.end();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
      if (eligible(*it, s.ids) && (best == waiting_.end() || it->priority < best->priority))
        best = it;
    if (best == waiting_.end()) break;
    s.ids.push_back(best->id);
    all_.push_back(std::move(*best));
    waiting_.erase(best);
  }
  if (!s.ids.empty()) stack_.push_back(std::move(s));
}

namespace {
template <class Segment, class Known>
void split_onto(std::vector<Segment>& stack, const Segment& seg, Known left, Known right) {
  auto mid = seg.ids.begin() + static_cast<long>(seg.ids.size() / 2);
  stack.push_back({{mid, seg.ids.end()}, right});
  stack.push_back({{seg.ids.begin(), mid}, left});
}
} // namespace

// Segments known red need no test: one story is a culprit, more are split.
void landing_queue::resolve_known_red() {
  while (!stack_.empty() && stack_.back().state == known::red) {
    auto seg = std::move(stack_.back());
    stack_.pop_back();
    if (seg.ids.size() == 1)
      found_culprit(seg.ids.front());
    else
      split_onto(stack_, seg, known::unknown, known::red_if_left_green);
  }
}

std::vector<std::string> landing_queue::next_batch() {
  resolve_known_red();
  if (stack_.empty()) open_segment();
  return stack_.empty() ? std::vector<std::string>{} : stack_.back().ids;
}

void landing_queue::report(bool green) {
  if (stack_.empty()) return;
  ++tests_;
  auto seg = std::move(stack_.back());
  stack_.pop_back();
  auto* sibling =
      stack_.empty() || stack_.back().state != known::red_if_left_green ? nullptr : &stack_.back();
  if (green) {
    landed_all_.insert(landed_all_.end(), seg.ids.begin(), seg.ids.end());
    landed_new_.insert(landed_new_.end(), seg.ids.begin(), seg.ids.end());
    all_.erase(std::remove_if(all_.begin(), all_.end(),
                              [&](const land_candidate& c) {
                                return std::find(seg.ids.begin(), seg.ids.end(), c.id) !=
                                       seg.ids.end();
                              }),
               all_.end());
    if (sibling) sibling->state = known::red; // the whole was red, this half is not
    return;
  }
  if (sibling) sibling->state = known::unknown; // the red may all be in this half
  if (seg.ids.size() == 1)
    found_culprit(seg.ids.front());
  else
    split_onto(stack_, seg, known::unknown, known::red_if_left_green);
}

// The culprit leaves; what depends on it (directly or not) leaves the
// batches and waits until it lands.
void landing_queue::found_culprit(const std::string& id) {
  culprits_new_.push_back(id);
  std::vector<std::string> gone = {id};
  for (bool more = true; more;) {
    more = false;
    for (const auto& c : all_)
      if (std::find(gone.begin(), gone.end(), c.id) == gone.end() &&
          std::any_of(c.depends_on.begin(), c.depends_on.end(), [&](const std::string& d) {
            return std::find(gone.begin(), gone.end(), d) != gone.end();
          })) {
        gone.push_back(c.id);
        more = true;
      }
  }
  for (auto& seg : stack_) {
    auto before = seg.ids.size();
    seg.ids.erase(std::remove_if(seg.ids.begin(), seg.ids.end(),
                                 [&](const std::string& x) {
                                   return std::find(gone.begin(), gone.end(), x) != gone.end();
                                 }),
                  seg.ids.end());
    if (seg.ids.size() != before) seg.state = known::unknown; // what made it red may be gone
  }
  stack_.erase(
      std::remove_if(stack_.begin(), stack_.end(), [](const segment& s) { return s.ids.empty(); }),
      stack_.end());
  for (auto it = all_.begin(); it != all_.end();) {
    if (std::find(gone.begin(), gone.end(), it->id) == gone.end()) {
      ++it;
      continue;
    }
    if (it->id != id) waiting_.push_back(std::move(*it)); // a dependent: waits for the culprit
    it = all_.erase(it);
  }
  // With the culprit out, what is left of the batch is most likely green:
  // tested once together instead of half by half.
  if (std::all_of(stack_.begin(), stack_.end(),
                  [](const segment& s) { return s.state == known::unknown; }) &&
      stack_.size() > 1) {
    segment rest;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) // test order: the back first
      rest.ids.insert(rest.ids.end(), it->ids.begin(), it->ids.end());
    stack_.assign(1, std::move(rest));
  }
}

void landing_queue::reject(const std::string& id) {
  found_culprit(id);
  culprits_new_.pop_back();
}

std::vector<std::string> landing_queue::take_landed() {
  return std::exchange(landed_new_, {});
}

std::vector<std::string> landing_queue::take_culprits() {
  return std::exchange(culprits_new_, {});
}

std::size_t landing_queue::waiting() const {
  std::size_t n = waiting_.size();
  for (const auto& s : stack_)
    n += s.ids.size();
  return n;
}

} // namespace sdlc
