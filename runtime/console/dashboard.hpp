#pragma once
// The run's live view: one model fed by story events, drawn either as a
// dashboard redrawn in place (a terminal) or as plain timestamped lines.
// Pure: the status actor feeds it and decides when to draw.
#include "runtime/console/terminal.hpp"
#include "runtime/events/run_events.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sdlc {

struct dashboard_story {
  std::string id;
  std::string title;
  std::string state = "queued"; // queued, running, done, failed, blocked, interrupted
  std::string action;           // current or last action
  std::string detail;           // last notable event, or why it waits
  std::string worktree;
  std::string branch;
  std::string node = "local";
  int actions_done = 0;
  int actions_expected = 5;
  int events_in_action = 0; // tool uses and turns seen in the current action
  int agent_percent = -1;   // a command agent's own progress for the current action
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost_usd = 0;
};

class dashboard_model {
public:
  dashboard_model(int limit, int64_t start_ms) : limit_(limit), start_ms_(start_ms) {}

  void add_story(const std::string& id, const std::string& title, int actions_expected);
  // Applies one event; returns a plain log line worth printing, if any.
  std::optional<std::string> apply(const story_event& e);
  std::optional<std::string> apply(const agent_progress& p);
  std::optional<std::string> apply(const story_finished& f);
  std::optional<std::string> apply(const concurrency_level& l);
  // The landing lane: a landed story's state becomes "landed"; one sent back
  // is queued again for its rework; the lane's last word is its own row.
  std::optional<std::string> apply(const landing_event& e);
  void apply(const usage_report& u);
  void apply(const story_waiting& w);
  void apply(const limiter_stats& l, int64_t now_ms);
  void set_limit(int limit) { limit_ = limit; }

  // Percent done of a story: finished actions plus progress within the
  // current one (its tool uses and turns against what that action usually
  // needs, capped at 90%), over the actions it is expected to need.
  int percent(const dashboard_story& s) const;

  // The whole dashboard for a terminal `width` columns wide (no trailing newline
  // handling needed: every line ends with '\n'). With `height` > 0 it fits in
  // that many lines: a redraw moves the cursor up over the last frame, which
  // a frame taller than the terminal defeats. Then the stories that matter
  // now are shown (running, awaiting approval, failed or blocked, the last
  // ones finished, the next queued), in board order, and one line counts
  // the rest.
  std::string render(int width, int64_t now_ms, bool color, int height = 0) const;
  // The table printed at the end of a run.
  std::string summary(bool color) const;
  // The run in one line, for a notification: "3 stories: 2 done, 1 blocked;
  // 2:05; $0.1234".
  std::string one_line(int64_t now_ms) const;

  int count(const std::string& state) const;
  int level() const { return level_ < 0 ? limit_ : level_; }
  const std::vector<dashboard_story>& stories() const { return stories_; }

private:
  dashboard_story* find(const std::string& id);
  dashboard_story& story_of(const std::string& id); // added when unknown
  static std::string line(int64_t at_ms, const std::string& id, const std::string& what);
  std::string eta(int64_t now_ms) const;
  std::string story_line(const dashboard_story& s, int width, const term::style& st) const;
  // Positions in stories_ to draw in `rows` lines (all when they fit).
  std::vector<std::size_t> shown(int rows) const;
  static std::string stamp_of(int64_t at_ms);

  int limit_;
  int level_ = -1; // scaled concurrency, -1: not scaled
  int64_t start_ms_;
  std::string api_in_flight_ = "-";
  std::string landing_; // the lane's last progress line (empty: no lane)
  std::vector<dashboard_story> stories_;
  // id as sent -> position in stories_: an event finds its story without a
  // walk over the board (10,000-story runs send hundreds of thousands).
  std::unordered_map<std::string, std::size_t> position_;
};

std::string format_duration(int64_t ms); // 1:05, 12:34, 1:02:03

} // namespace sdlc
