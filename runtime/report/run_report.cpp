#include "runtime/report/run_report.hpp"

#include "runtime/console/dashboard.hpp"
#include "runtime/schedule/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

namespace {

// Open waits per story: cause and since when.
struct open_wait {
  std::string cause;
  int64_t since = 0;
};

void close_wait(std::map<std::string, open_wait>& open, story_timeline& s, int64_t at) {
  auto it = open.find(s.id);
  if (it == open.end()) return;
  s.waited_ms[it->second.cause] += std::max<int64_t>(0, at - it->second.since);
  s.waits.push_back({it->second.cause, it->second.since, std::max(at, it->second.since)});
  open.erase(it);
}

// Longest chain by measured duration (scheduler_core weighs each story by its
// own work plus its heaviest dependent's weight).
void critical_path(run_report& r) {
  std::vector<schedule_item> items;
  std::map<std::string, std::vector<std::string>> dependents;
  for (const auto& s : r.stories) {
    schedule_item it;
    it.id = s.id;
    it.depends_on = s.depends_on;
    const auto end = s.finished ? s.finished_ms : r.ended_ms;
    it.work = s.started ? static_cast<double>(std::max<int64_t>(0, end - s.started_ms)) : 0.0;
    items.push_back(it);
    for (const auto& d : s.depends_on)
      dependents[d].push_back(s.id);
  }
  if (items.empty()) return;
  scheduler_core core(items, r.concurrency);
  r.lower_bound_ms = static_cast<int64_t>(makespan_lower_bound(items, r.concurrency));
  std::string at;
  for (const auto& it : items)
    if (at.empty() || core.weight_of(it.id) > core.weight_of(at)) at = it.id;
  r.critical_path_ms = static_cast<int64_t>(core.weight_of(at));
  while (!at.empty()) {
    r.critical_path.push_back(at);
    std::string next;
    for (const auto& d : dependents[at])
      if (next.empty() || core.weight_of(d) > core.weight_of(next)) next = d;
    at = next;
  }
}

} // namespace

std::string clock_text(int64_t ms) {
  if (ms < 60000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  return format_duration(ms);
}

int64_t story_timeline::running_ms() const {
  int64_t sum = 0;
  for (const auto& a : actions)
    if (a.ended) sum += a.end_ms - a.start_ms;
  return sum;
}

run_report analyze_run(const std::string& id, const std::vector<nlohmann::json>& lines) {
  run_report r;
  r.id = id;
  std::map<std::string, std::size_t> index;
  auto story_of = [&](const std::string& sid) -> story_timeline& {
    auto it = index.find(sid);
    if (it != index.end()) return r.stories[it->second];
    index[sid] = r.stories.size();
    r.stories.push_back({});
    r.stories.back().id = sid;
    return r.stories.back();
  };
  std::map<std::string, open_wait> waits;
  int64_t paused_until = 0;
  for (const auto& l : lines) {
    const auto event = l.value("event", "");
    const auto at = l.value("at_ms", int64_t{0});
    r.ended_ms = std::max(r.ended_ms, at);
    if (event == "run_started") {
      r.started_ms = at;
      r.concurrency = std::max(1, l.value("concurrency", 1));
      for (const auto& s : l.value("stories", nlohmann::json::array())) {
        auto& t = story_of(s.value("id", ""));
        t.title = s.value("title", "");
        t.depends_on = s.value("depends_on", std::vector<std::string>{});
      }
      continue;
    }
    if (event == "run_finished") r.finished = true;
    if (event == "run_died") {
      r.died = true;
      for (const auto& g : l.value("stopped", nlohmann::json::array()))
        r.stopped.push_back(fmt::format("{}'s {}", g.value("story", "?"), g.value("what", "?")));
    }
    if (event == "api_limit") {
      r.rejections = std::max(r.rejections, l.value("rejections", int64_t{0}));
      r.api.push_back({at, l.value("in_flight", 0), l.value("rejections", int64_t{0})});
      auto until = l.value("paused_until_ms", int64_t{0});
      if (until > std::max(at, paused_until)) {
        r.paused_ms += until - std::max(at, paused_until);
        paused_until = until;
      }
    }
    if (!l.contains("story")) continue;
    auto& s = story_of(l["story"].get<std::string>());
    const auto action = l.value("action", "");
    if (event == "waiting") {
      close_wait(waits, s, at);
      waits[s.id] = {l.value("cause", "slot"), at};
    } else if (event == "story_started") {
      close_wait(waits, s, at);
      if (!s.started) s.started_ms = at;
      s.started = true;
    } else if (event == "action_started") {
      close_wait(waits, s, at);
      s.actions.push_back({action, at, 0, false, true});
      if (action == "rework") ++s.reworks;
    } else if (event == "action_finished" || event == "action_failed") {
      for (auto it = s.actions.rbegin(); it != s.actions.rend(); ++it)
        if (it->action == action && !it->ended) {
          it->ended = true;
          it->end_ms = at;
          it->ok = event == "action_finished";
          break;
        }
    } else if (event == "usage") {
      const auto cost = l.value("cost_usd", 0.0);
      s.cost_usd += cost;
      s.cost_by_action[action] += cost;
      s.input_tokens += l.value("input_tokens", int64_t{0});
      s.output_tokens += l.value("output_tokens", int64_t{0});
      r.cost_usd += cost;
    } else if (event == "story_finished") {
      close_wait(waits, s, at);
      s.finished = true;
      s.finished_ms = at;
      s.result = l.value("result", "");
    }
  }
  for (auto& s : r.stories)
    close_wait(waits, s, r.ended_ms); // a killed run: waits last to its last line
  r.makespan_ms = std::max<int64_t>(0, r.ended_ms - r.started_ms);
  critical_path(r);
  return r;
}

std::string ending_text(const run_report& r) {
  if (r.finished) return "finished";
  if (!r.died) return "stopped early (killed, or still running)";
  std::string stopped;
  for (const auto& s : r.stopped)
    stopped += (stopped.empty() ? "" : ", ") + s;
  return fmt::format("died (killed or crashed; its guard stopped {})",
                     stopped.empty() ? std::string("nothing: no agent was running") : stopped);
}

std::string report_text(const run_report& r) {
  std::string out =
      fmt::format("run {} — {}, {} stor{}, {} at a time\n", r.id, ending_text(r), r.stories.size(),
                  r.stories.size() == 1 ? "y" : "ies", r.concurrency);
  const double ratio =
      r.lower_bound_ms > 0 ? static_cast<double>(r.makespan_ms) / r.lower_bound_ms : 0;
  out += fmt::format("makespan {} against a lower bound of {} ({:.2f}×); cost ${:.4f}\n",
                     clock_text(r.makespan_ms), clock_text(r.lower_bound_ms), ratio, r.cost_usd);
  if (!r.critical_path.empty()) {
    std::string chain;
    for (const auto& id : r.critical_path)
      chain += (chain.empty() ? "" : " → ") + id;
    out += fmt::format("critical path {} ({})\n", chain, clock_text(r.critical_path_ms));
  }
  out += fmt::format("API: {} rate-limited answers (429/529), paused {}\n\n", r.rejections,
                     clock_text(r.paused_ms));
  out += fmt::format(" {:<8} {:<18} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>10}\n", "story",
                     "result", "running", "slot", "deps", "conflict", "approval", "rework", "cost");
  for (const auto& s : r.stories) {
    auto waited = [&](const char* cause) {
      auto it = s.waited_ms.find(cause);
      return clock_text(it == s.waited_ms.end() ? 0 : it->second);
    };
    out += fmt::format(" {:<8} {:<18} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>10}\n", s.id,
                       s.result.empty() ? "(not finished)" : s.result, clock_text(s.running_ms()),
                       waited("slot"), waited("dependency"), waited("conflict"), waited("approval"),
                       s.reworks, fmt::format("${:.4f}", s.cost_usd));
  }
  return out;
}

nlohmann::json report_json(const run_report& r) {
  nlohmann::json j = {{"run", r.id},
                      {"started_ms", r.started_ms},
                      {"ended_ms", r.ended_ms},
                      {"finished", r.finished},
                      {"died", r.died},
                      {"stopped", r.stopped},
                      {"concurrency", r.concurrency},
                      {"makespan_ms", r.makespan_ms},
                      {"lower_bound_ms", r.lower_bound_ms},
                      {"critical_path", r.critical_path},
                      {"critical_path_ms", r.critical_path_ms},
                      {"rejections", r.rejections},
                      {"paused_ms", r.paused_ms},
                      {"cost_usd", r.cost_usd}};
  auto& stories = j["stories"] = nlohmann::json::array();
  for (const auto& s : r.stories) {
    auto actions = nlohmann::json::array();
    for (const auto& a : s.actions)
      actions.push_back({{"action", a.action},
                         {"start_ms", a.start_ms},
                         {"end_ms", a.ended ? nlohmann::json(a.end_ms) : nlohmann::json()},
                         {"ok", a.ok}});
    stories.push_back({{"id", s.id},
                       {"title", s.title},
                       {"depends_on", s.depends_on},
                       {"started_ms", s.started_ms},
                       {"finished_ms", s.finished_ms},
                       {"result", s.result},
                       {"running_ms", s.running_ms()},
                       {"waited_ms", s.waited_ms},
                       {"cost_usd", s.cost_usd},
                       {"cost_by_action", s.cost_by_action},
                       {"input_tokens", s.input_tokens},
                       {"output_tokens", s.output_tokens},
                       {"reworks", s.reworks},
                       {"actions", actions}});
  }
  return j;
}

} // namespace sdlc
