#include "runtime/console/dashboard.hpp"

#include "runtime/util/printable.hpp"

#include "runtime/console/terminal.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace sdlc {

namespace {

// The state of a held story.
const std::string awaiting_approval{to_string(story_result::awaiting_approval)};

// What an action usually needs, in tool uses and turns, for the in-action estimate.
int expected_events(const std::string& action) {
  // Keyed by the action's name: dashboard_story keeps what it shows.
  static const std::map<std::string, int> usual = {
      {"refine", 2}, {"research", 6}, {"plan", 4}, {"implement", 10}, {"review", 4}, {"rework", 6}};
  auto it = usual.find(action);
  return it == usual.end() ? 4 : it->second;
}

std::string bar(int percent, int width) {
  int filled = percent * width / 100;
  std::string out;
  for (int i = 0; i < width; ++i)
    out += i < filled ? "█" : "░";
  return out;
}

std::string pad(const std::string& s, std::size_t width) {
  auto fitted = term::fit(s, width);
  return fitted + std::string(width - std::min(width, term::display_width(fitted)), ' ');
}

} // namespace

std::string format_duration(int64_t ms) {
  auto s = ms / 1000;
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void dashboard_model::add_story(const std::string& id, const std::string& title,
                                int actions_expected) {
  dashboard_story s;
  position_.emplace(id, stories_.size());
  s.id = printable(id);
  s.title = printable(title); // a title is the user's text: never an escape code
  s.actions_expected = std::max(1, actions_expected);
  stories_.push_back(std::move(s));
}

dashboard_story* dashboard_model::find(const std::string& id) {
  auto at = position_.find(id);
  return at == position_.end() ? nullptr : &stories_[at->second];
}

int dashboard_model::count(const std::string& state) const {
  return static_cast<int>(
      std::count_if(stories_.begin(), stories_.end(),
                    [&](const dashboard_story& s) { return s.state == state; }));
}

int dashboard_model::percent(const dashboard_story& s) const {
  if (s.state == "done" || s.state == "landed") return 100;
  double within = 0;
  if (s.state == "running" && s.agent_percent >= 0)
    within = std::min(0.9, s.agent_percent / 100.0);
  else if (s.state == "running" && !s.action.empty())
    within = std::min(0.9, static_cast<double>(s.events_in_action) / expected_events(s.action));
  double p = 100.0 * (s.actions_done + within) / std::max(s.actions_expected, s.actions_done + 1);
  return std::min(99, static_cast<int>(p));
}

dashboard_story& dashboard_model::story_of(const std::string& id) {
  if (auto* s = find(id)) return *s;
  add_story(id, id, 5);
  return stories_.back();
}

std::string dashboard_model::line(int64_t at_ms, const std::string& id, const std::string& what) {
  return fmt::format("{} {} {}", stamp_of(at_ms), printable(id), what);
}

std::optional<std::string> dashboard_model::apply(const story_event& e) {
  // Agents' output and story text reach the terminal only as printable text.
  const auto text = printable(e.text);
  const std::string action(e.action == action_type::none ? "" : to_string(e.action));
  if (e.story.empty()) return fmt::format("{} run: {}", stamp_of(e.at_ms), text);
  auto& s = story_of(e.story);
  auto say = [&](const std::string& what) { return line(e.at_ms, e.story, what); };
  switch (e.kind) {
  case event_kind::story_started:
    s.state = "running";
    s.started_ms = e.at_ms;
    s.detail.clear();
    return say("started");
  case event_kind::worktree:
    s.worktree = text;
    return std::nullopt;
  case event_kind::node: // which machine runs the story ("local" or host:port)
    s.node = text;
    return text == "local" ? std::nullopt : std::optional<std::string>(say("on node " + text));
  case event_kind::branch:
    s.branch = text;
    return std::nullopt;
  case event_kind::action_started:
    s.action = action;
    s.events_in_action = 0;
    s.agent_percent = -1;
    s.detail.clear();
    return say(action + " started");
  case event_kind::tool_use:
    ++s.events_in_action;
    s.detail = text;
    return say(fmt::format("{} {}", action, text));
  case event_kind::agent_text:
    ++s.events_in_action;
    return std::nullopt;
  case event_kind::action_finished:
    ++s.actions_done;
    s.events_in_action = 0;
    s.agent_percent = -1;
    s.detail = text;
    return say(fmt::format("{} finished: {}", action, text));
  case event_kind::note:
    s.detail = text;
    return say(fmt::format("{}{}", action.empty() ? "" : action + " ", text));
  case event_kind::action_failed:
  case event_kind::blocked:
  case event_kind::killed:
  case event_kind::api_retry:
  case event_kind::restarting:
  case event_kind::parked:
    s.detail = text;
    return say(
        fmt::format("{}{}: {}", action.empty() ? "" : action + " ", to_string(e.kind), text));
  default: // check and agent stream details: in the story's log, not here
    return std::nullopt;
  }
}

std::optional<std::string> dashboard_model::apply(const agent_progress& p) {
  auto& s = story_of(p.story);
  s.agent_percent = p.percent;
  s.detail = printable(p.message);
  return line(p.at_ms, p.story,
              fmt::format("{} progress {}% {}", to_string(p.action), p.percent, s.detail));
}

void dashboard_model::apply(const usage_report& u) {
  auto& s = story_of(u.story);
  s.tokens_in += u.input_tokens;
  s.tokens_out += u.output_tokens;
  s.cost_usd += u.cost_usd;
}

void dashboard_model::apply(const story_waiting& w) {
  auto& s = story_of(w.story);
  s.detail = printable(w.text);
  if (w.cause == wait_cause::approval)
    s.state = awaiting_approval;
  else if (s.state == awaiting_approval)
    s.state = "queued"; // approved: back in the queue until a slot is free
}

std::optional<std::string> dashboard_model::apply(const story_finished& f) {
  auto& s = story_of(f.story);
  s.state = std::string(to_string(f.result));
  s.finished_ms = f.at_ms;
  s.detail = printable(f.detail);
  if (s.started_ms == 0) s.started_ms = f.at_ms;
  return line(f.at_ms, f.story,
              fmt::format("{}{}", to_string(f.result), s.detail.empty() ? "" : ": " + s.detail));
}

std::optional<std::string> dashboard_model::apply(const landing_event& e) {
  if (e.story.empty()) {
    landing_ = printable(e.text);
    return line(e.at_ms, "", "landing: " + landing_);
  }
  auto& s = story_of(e.story);
  switch (e.kind) {
  case landing_kind::landed:
    s.state = "landed";
    break;
  case landing_kind::sent_back:
    s.state = "queued"; // its rework starts when a slot is free
    break;
  case landing_kind::blocked:
    s.state = "blocked";
    break;
  case landing_kind::waiting:
    s.state = "done";
    break;
  case landing_kind::pr_opened: // it is still in the lane, waiting for GitHub
  case landing_kind::progress:
    break;
  }
  s.detail = printable(e.text);
  landing_ = fmt::format("{} {}", e.story, to_string(e.kind));
  return line(e.at_ms, e.story, fmt::format("{}: {}", to_string(e.kind), s.detail));
}

void dashboard_model::apply(const limiter_stats& l, int64_t now_ms) {
  api_in_flight_ =
      fmt::format("{}/{} · queued {} · 429s {}", l.in_flight, l.cap, l.queued, l.rejections);
  if (l.paused_until_ms > now_ms)
    api_in_flight_ += fmt::format(" · paused {} s", (l.paused_until_ms - now_ms) / 1000 + 1);
}

std::optional<std::string> dashboard_model::apply(const concurrency_level& l) {
  // The scheduler runs fewer stories while API permits queue.
  auto was = level_ < 0 ? limit_ : level_;
  level_ = l.level;
  return fmt::format("{} run: {} stories at a time (was {}){}", stamp_of(l.at_ms), level_, was,
                     level_ < limit_ ? ": API permits are queueing" : "");
}

std::string dashboard_model::stamp_of(int64_t at_ms) {
  return time::to_iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms)));
}

std::string dashboard_model::eta(int64_t now_ms) const {
  int64_t total = 0;
  int finished = 0;
  for (const auto& s : stories_)
    if (s.state == "done") {
      total += s.finished_ms - s.started_ms;
      ++finished;
    }
  int left = count("queued") + count("running");
  if (finished == 0 || left == 0) return left == 0 ? "0:00" : "-";
  double avg = static_cast<double>(total) / finished;
  double remaining_work = avg * count("queued");
  for (const auto& s : stories_)
    if (s.state == "running")
      remaining_work += std::max(0.0, avg - static_cast<double>(now_ms - s.started_ms));
  return format_duration(static_cast<int64_t>(remaining_work / std::max(1, limit_)));
}

std::string dashboard_model::story_line(const dashboard_story& s, int width,
                                        const term::style& st) const {
  const int bar_w = 12;
  auto pct = percent(s);
  std::string what = s.state == "running"           ? s.action
                     : s.state == awaiting_approval ? "approval?"
                                                    : s.state;
  auto left =
      fmt::format(" {:<7} {:<12} [{}] {:>3}% ", s.id, term::fit(what, 12), bar(pct, bar_w), pct);
  int rest = width - static_cast<int>(term::display_width(left)) - 1;
  int title_w = std::max(10, rest * 2 / 5);
  int tail_w = std::max(0, rest - title_w - 1);
  std::string tail = s.state == "running" || s.state == "done" ? s.worktree : s.detail;
  if (s.state == "running" && !s.detail.empty() && s.worktree.empty()) tail = s.detail;
  if (s.state == "running" && s.node != "local") tail = "@" + s.node + " " + tail;
  auto line = left + pad(s.title, static_cast<std::size_t>(title_w)) + " " +
              term::fit(tail, static_cast<std::size_t>(tail_w));
  if (s.state == "failed" || s.state == "blocked" || s.state == "step-failed")
    line = st.red(line);
  else if (s.state == "done" || s.state == "landed")
    line = st.green(line);
  else if (s.state == "queued")
    line = st.dim(line);
  else if (s.state == awaiting_approval)
    line = st.yellow(line);
  return line + "\n";
}

std::vector<std::size_t> dashboard_model::shown(int rows) const {
  std::vector<std::size_t> all(stories_.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  if (rows <= 0 || static_cast<std::size_t>(rows) >= stories_.size()) return all;
  // What a person watching wants first: what runs, what waits for them,
  // what went wrong, what just finished, then what comes next.
  auto interest = [&](const dashboard_story& s) {
    if (s.state == "running") return 0;
    if (s.state == awaiting_approval) return 1;
    if (s.state == "failed" || s.state == "blocked" || s.state == "step-failed") return 2;
    if (s.state == "done" || s.state == "landed") return 3;
    return 4;
  };
  auto first = all.begin() + rows;
  std::partial_sort(all.begin(), first, all.end(), [&](std::size_t a, std::size_t b) {
    const auto &x = stories_[a], &y = stories_[b];
    if (interest(x) != interest(y)) return interest(x) < interest(y);
    if (interest(x) == 3 && x.finished_ms != y.finished_ms) return x.finished_ms > y.finished_ms;
    return a < b;
  });
  all.resize(static_cast<std::size_t>(rows));
  std::sort(all.begin(), all.end());
  return all;
}

std::string dashboard_model::render(int width, int64_t now_ms, bool color, int height) const {
  term::style st{color};
  width = std::max(width, 60);
  std::string out;
  auto header = fmt::format("sdlc-actors  {} of {} running", count("running"), limit_);
  if (level_ >= 0 && level_ < limit_)
    header += fmt::format(" (scaled to {}: API permits queue)", level_);
  auto clock = format_duration(now_ms - start_ms_);
  out +=
      st.bold(header) +
      std::string(std::max<int>(1, width - static_cast<int>(header.size() + clock.size())), ' ') +
      clock + "\n";
  // The header, two totals lines, the lane's line, the line counting the
  // rest, and the line the cursor is left on.
  const int fixed = 3 + (landing_.empty() ? 0 : 1) + 2;
  const int rows = height > 0 ? std::max(1, height - fixed) : 0;
  const auto picked = shown(rows);
  for (auto i : picked)
    out += story_line(stories_[i], width, st);
  if (picked.size() < stories_.size()) {
    std::map<std::string, int> rest; // by state, of the stories not shown
    std::size_t next = 0;
    for (std::size_t i = 0; i < stories_.size(); ++i) {
      if (next < picked.size() && picked[next] == i) {
        ++next;
        continue;
      }
      ++rest[stories_[i].state];
    }
    std::vector<std::string> parts;
    for (const auto& [state, n] : rest)
      parts.push_back(fmt::format("{} {}", n, state));
    out += st.dim(term::fit(fmt::format(" … {} more: {}", stories_.size() - picked.size(),
                                        fmt::join(parts, ", ")),
                            static_cast<std::size_t>(width))) +
           "\n";
  }
  int64_t tin = 0, tout = 0;
  double cost = 0;
  for (const auto& x : stories_) {
    tin += x.tokens_in;
    tout += x.tokens_out;
    cost += x.cost_usd;
  }
  auto held = count(awaiting_approval);
  out += st.dim(fmt::format(" queued {} · active {} · done {} · failed {}{} · elapsed {} · ETA {}",
                            count("queued"), count("running"), count("done") + count("landed"),
                            count("failed") + count("blocked"),
                            held ? fmt::format(" · awaiting approval {}", held) : "", clock,
                            eta(now_ms))) +
         "\n";
  out += st.dim(fmt::format(" API in flight {} · tokens {}/{} · ${:.4f}", api_in_flight_, tin, tout,
                            cost)) +
         "\n";
  if (!landing_.empty())
    out +=
        st.dim(term::fit(fmt::format(" landing: {} landed · last: {}", count("landed"), landing_),
                         static_cast<std::size_t>(width))) +
        "\n";
  return out;
}

std::string dashboard_model::one_line(int64_t now_ms) const {
  std::vector<std::pair<std::string, int>> states; // in order of first appearance
  double cost = 0;
  for (const auto& s : stories_) {
    cost += s.cost_usd;
    auto it = std::find_if(states.begin(), states.end(),
                           [&](const auto& p) { return p.first == s.state; });
    if (it == states.end())
      states.emplace_back(s.state, 1);
    else
      ++it->second;
  }
  std::vector<std::string> parts;
  for (const auto& [state, n] : states)
    parts.push_back(fmt::format("{} {}", n, state));
  return fmt::format("{} stor{}: {}; {}; ${:.4f}", stories_.size(),
                     stories_.size() == 1 ? "y" : "ies", fmt::join(parts, ", "),
                     format_duration(now_ms - start_ms_), cost);
}

std::string dashboard_model::summary(bool color) const {
  term::style st{color};
  std::string out =
      st.bold(fmt::format(" {:<8} {:<17} {:>8} {:>7} {:>14} {:>9}  {}", "story", "result", "time",
                          "actions", "tokens in/out", "cost", "branch")) +
      "\n";
  for (const auto& s : stories_) {
    auto dur =
        s.finished_ms > 0 && s.started_ms > 0 ? format_duration(s.finished_ms - s.started_ms) : "-";
    auto line = fmt::format(" {:<8} {:<17} {:>8} {:>7} {:>14} {:>9}  {}", s.id, s.state, dur,
                            s.actions_done, fmt::format("{}/{}", s.tokens_in, s.tokens_out),
                            fmt::format("${:.4f}", s.cost_usd), s.branch.empty() ? "-" : s.branch);
    out += (s.state == "done" || s.state == "landed" ? st.green(line)
            : s.state == "queued"                    ? line
            : s.state == awaiting_approval           ? st.yellow(line)
                                                     : st.red(line)) +
           "\n";
  }
  return out;
}

} // namespace sdlc
