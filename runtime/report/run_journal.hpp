#pragma once
// The run journal: what a run did, one JSON object a line, in
// <board>/runs/<run-id>/events.jsonl — the record `report` reads to answer
// "why did this run take 40 minutes?". Lines are buffered and written with one
// fdatasync per flush (the status actor flushes every frame and at the end):
// the cost of a journal is one sync per 100 ms, not one per event. A killed
// run's journal is whole up to its last flush; a reader skips a torn last line.
#include "runtime/events/run_events.hpp"
#include "runtime/notify/notification.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

class run_journal {
public:
  // Creates <runs_dir>/<run_id>/events.jsonl. Throws sdlc::error naming the
  // file when it cannot.
  run_journal(const std::filesystem::path& runs_dir, std::string run_id);
  ~run_journal(); // flushes what is buffered
  run_journal(const run_journal&) = delete;
  run_journal& operator=(const run_journal&) = delete;

  const std::string& id() const { return id_; }
  const std::filesystem::path& file() const { return file_; }

  void append(const nlohmann::json& line);
  // Writes the buffered lines and syncs them. A failed write (disk full) is
  // reported once on stderr and the journal stops: it never stops the run.
  void flush();

private:
  std::string id_;
  std::filesystem::path file_;
  int fd_ = -1;
  std::string pending_;
  bool broken_ = false;
};

// A run id that sorts by start time: 20261202T121500.042Z-1a2b.
std::string new_run_id(int64_t now_ms);

// The journal's lines; a last line cut short by a kill is left out.
std::vector<nlohmann::json> read_journal(const std::filesystem::path& file);

// One journal line per event. Agent stream content (text, tool use, raw
// output) stays in the story's log: the journal records the schedule.
bool journaled(event_kind k);
nlohmann::json journal_line(const story_event& e);
nlohmann::json journal_line(const usage_report& u);
nlohmann::json journal_line(const story_finished& f);
nlohmann::json journal_line(const story_waiting& w);
nlohmann::json journal_line(const landing_event& e);
nlohmann::json journal_line(const limiter_stats& l, int64_t at_ms);
nlohmann::json journal_line(const concurrency_level& l);
nlohmann::json journal_line(const notification& n);
nlohmann::json journal_line(const delivery_failed& f);

} // namespace sdlc
