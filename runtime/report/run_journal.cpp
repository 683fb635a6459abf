#include "runtime/report/run_journal.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <random>
#include <unistd.h>

namespace sdlc {

namespace stdfs = std::filesystem;

run_journal::run_journal(const stdfs::path& runs_dir, std::string run_id)
    : id_(std::move(run_id)), file_(runs_dir / id_ / "events.jsonl") {
  std::error_code ec;
  stdfs::create_directories(file_.parent_path(), ec);
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw failure(fmt::format("cannot create the run journal {}: {}; check that the board folder "
                              "is writable",
                              file_.string(), std::strerror(errno)));
}

run_journal::~run_journal() {
  flush();
  if (fd_ >= 0) ::close(fd_);
}

void run_journal::append(const nlohmann::json& line) {
  if (broken_) return;
  // Invalid UTF-8 from an agent must not make the line (or the run) fail.
  pending_ += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  pending_ += '\n';
}

void run_journal::flush() {
  if (broken_ || pending_.empty() || fd_ < 0) return;
  std::string_view rest = pending_;
  while (!rest.empty()) {
    auto n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::cerr << fmt::format("warning: the run journal {} stopped: {}\n", file_.string(),
                               std::strerror(errno));
      broken_ = true;
      pending_.clear();
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  pending_.clear();
  ::fdatasync(fd_);
}

std::string new_run_id(int64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  std::random_device rd;
  // Milliseconds: runs started in the same second still sort by start.
  return fmt::format("{}.{:03}Z-{:04x}", stamp, now_ms % 1000, rd() & 0xffffu);
}

std::vector<nlohmann::json> read_journal(const stdfs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw bad_input(fmt::format("cannot read the run journal {}; `runs` lists the runs there are",
                                file.string()));
  std::vector<nlohmann::json> out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      if (in.peek() == std::char_traits<char>::eof()) break; // torn by a kill: the end
      throw bad_input(fmt::format("{}:{}: not a JSON line; the journal was edited or damaged",
                                  file.string(), number));
    }
    out.push_back(std::move(j));
  }
  return out;
}

bool journaled(event_kind k) {
  switch (k) {
  case event_kind::agent_text:
  case event_kind::agent_output:
  case event_kind::agent_stderr:
  case event_kind::unknown_event:
  case event_kind::tool_use:
  case event_kind::tool_error:
    return false;
  default:
    return true;
  }
}

namespace {

nlohmann::json base(std::string_view event, const std::string& story, int64_t at_ms) {
  nlohmann::json j;
  j["event"] = event;
  if (!story.empty()) j["story"] = story;
  j["at_ms"] = at_ms;
  return j;
}

} // namespace

nlohmann::json journal_line(const story_event& e) {
  auto j = base(to_string(e.kind), e.story, e.at_ms);
  if (e.action != action_type::none) j["action"] = to_string(e.action);
  if (!e.text.empty()) j["text"] = e.text;
  return j;
}

nlohmann::json journal_line(const usage_report& u) {
  auto j = base("usage", u.story, u.at_ms);
  if (u.action != action_type::none) j["action"] = to_string(u.action);
  j["input_tokens"] = u.input_tokens;
  j["output_tokens"] = u.output_tokens;
  j["cost_usd"] = u.cost_usd;
  return j;
}

nlohmann::json journal_line(const story_finished& f) {
  auto j = base("story_finished", f.story, f.at_ms);
  j["result"] = to_string(f.result);
  if (!f.detail.empty()) j["detail"] = f.detail;
  return j;
}

nlohmann::json journal_line(const story_waiting& w) {
  auto j = base("waiting", w.story, w.at_ms);
  j["cause"] = to_string(w.cause);
  if (!w.on.empty()) j["on"] = w.on;
  if (!w.text.empty()) j["text"] = w.text;
  return j;
}

nlohmann::json journal_line(const landing_event& e) {
  auto j = base("landing", e.story, e.at_ms);
  j["kind"] = to_string(e.kind);
  if (!e.text.empty()) j["text"] = e.text;
  return j;
}

nlohmann::json journal_line(const limiter_stats& l, int64_t at_ms) {
  auto j = base("api_limit", "", at_ms);
  j["in_flight"] = l.in_flight;
  j["cap"] = l.cap;
  j["queued"] = l.queued;
  j["rejections"] = l.rejections;
  if (l.paused_until_ms) j["paused_until_ms"] = l.paused_until_ms;
  return j;
}

nlohmann::json journal_line(const concurrency_level& l) {
  auto j = base("concurrency", "", l.at_ms);
  j["level"] = l.level;
  return j;
}

nlohmann::json journal_line(const notification& n) {
  auto j = base("notification", n.story, n.at_ms);
  j["kind"] = std::string(to_string(n.kind));
  j["reason"] = n.reason;
  return j;
}

nlohmann::json journal_line(const delivery_failed& f) {
  auto j = base("notification_failed", f.story, f.at_ms);
  j["kind"] = std::string(to_string(f.kind));
  j["channel"] = f.channel;
  j["problem"] = f.problem;
  return j;
}

} // namespace sdlc
