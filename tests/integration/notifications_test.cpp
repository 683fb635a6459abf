#define BOOST_TEST_MODULE notifications
// Notifications in a live run (issue 18, part 3): a command and a webhook (a
// local HTTP server here) hear that a story waits for approval, that one is
// blocked and why, and that the run finished; the file channel writes
// ai-sdlc's notification lines; the console prints ai-sdlc's line. A webhook
// that hangs or answers 500 costs its timeout and retry, never the run, and
// its URL's secret is in no output. Command agent, real git repo, real
// processes, real HTTP.
#include "runtime/report/run_journal.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

// Alpha's research works; Beta's always fails (blocked on the first failure:
// retry.maxRetries 0).
const char* agent =
    "#!/bin/sh\n"
    "if [ \"$SDLC_STORY_ID\" = S-0002 ]; then echo 'the research tool is down' >&2; exit 3; fi\n"
    "case \"$SDLC_ACTION\" in\n"
    "  review) printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n';;\n"
    "  *) echo \"notes for $SDLC_ACTION\";;\n"
    "esac\n";

const std::string secret = "T000/B000/hook-secret-4f9a";

enum class answer { ok, error, hang };

// A webhook receiver on a free loopback port. Its threads never touch
// Boost.Test (not thread-safe): they only record.
class hook_server {
public:
  explicit hook_server(answer a) : answer_(a) {
    server_.Post("/services/" + secret,
                 [this](const httplib::Request& req, httplib::Response& res) {
                   {
                     std::lock_guard<std::mutex> lock(mutex_);
                     bodies_.push_back(req.body);
                   }
                   if (answer_ == answer::hang) {
                     const auto until = std::chrono::steady_clock::now() + 60s;
                     while (!stopping_ && std::chrono::steady_clock::now() < until)
                       std::this_thread::sleep_for(20ms);
                   }
                   res.status = answer_ == answer::error ? 500 : 200;
                   res.set_content("ok", "text/plain");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // bind_to_any_port listens already: a call before the thread runs waits in the backlog.
  }
  ~hook_server() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/services/" + secret;
  }
  std::vector<nlohmann::json> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const auto& b : bodies_)
      out.push_back(nlohmann::json::parse(b, nullptr, false));
    return out;
  }
  std::size_t calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_.size();
  }

private:
  answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
};

struct project {
  test::temp_dir d;
  stdfs::path repo = d.path / "repo";
  stdfs::path run_log = d.path / "run.log";
  stdfs::path by_command = d.path / "by-command.jsonl";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", (d.path / "home").string()}};
  project(const std::string& webhook, bool gated) {
    stdfs::create_directories(d.path / "home");
    test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
    set("retry.maxRetries", "0");
    if (gated) set("stageGates.requireApprovalBeforeImplementation", "true");
    set("notification.command", "(cat; echo \" $SDLC_EVENT\") >> '" + by_command.string() + "'");
    set("notification.webhookUrl", webhook);
    set("notification.timeoutMs", "400");
    set("notification.channels", "[console, file, command, webhook]");
    for (const char* title : {"Alpha", "Beta"})
      BOOST_REQUIRE(sdlc({"add", title, "--status", "ready"}).exit_code == 0);
    test::git(repo, {"add", "-A"});
    test::git(repo, {"commit", "-q", "-m", "board"});
  }
  void set(const std::string& key, const std::string& value) {
    auto r = sdlc({"config", key, value});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, key + ": " + r.out + r.err);
  }
  test::run_result sdlc(const std::vector<std::string>& args) const {
    return test::sdlc(repo, args, env);
  }
  // The command channel's deliveries: each JSON line is followed by its
  // SDLC_EVENT (the environment the command got).
  std::vector<std::pair<nlohmann::json, std::string>> commanded() const {
    std::vector<std::pair<nlohmann::json, std::string>> out;
    if (!stdfs::exists(by_command)) return out;
    std::ifstream in(by_command);
    for (std::string line; std::getline(in, line);) {
      const auto cut = line.rfind("} ");
      if (cut == std::string::npos) continue;
      out.emplace_back(nlohmann::json::parse(line.substr(0, cut + 1), nullptr, false),
                       line.substr(cut + 2));
    }
    return out;
  }
};

const nlohmann::json* find(const std::vector<nlohmann::json>& events, const std::string& event,
                           const std::string& story = "") {
  for (const auto& e : events)
    if (e.value("event", "") == event && (story.empty() || e.value("story", "") == story))
      return &e;
  return nullptr;
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(command_webhook_file_and_console_hear_approval_blocked_and_the_end) {
  hook_server hook(answer::ok);
  project p(hook.url(), true);
  test::child_guard run(test::spawn_background({SDLC_BIN, "run", "--auto", "--concurrent", "2"},
                                               p.repo, p.env, p.run_log));
  // Alpha's plan waits for a person; Beta is blocked: both are told at once.
  BOOST_REQUIRE_MESSAGE(test::eventually([&] {
                          auto got = hook.received();
                          return find(got, "awaiting_approval", "S-0001") &&
                                 find(got, "story_blocked", "S-0002");
                        }),
                        test::read(p.run_log));
  auto got = hook.received();
  const auto waiting = *find(got, "awaiting_approval", "S-0001"); // a copy: `got` is read again
  BOOST_TEST(has(waiting["reason"].get<std::string>(), "approv"), waiting.dump());
  BOOST_TEST(waiting["title"] == "Alpha");
  BOOST_TEST(waiting["actionRequired"] == true);
  BOOST_TEST(!waiting["run"].get<std::string>().empty());
  BOOST_TEST(has(waiting["text"].get<std::string>(), "S-0001"));
  const auto blocked = *find(got, "story_blocked", "S-0002");
  BOOST_TEST(has(blocked["reason"].get<std::string>(), "research: agent exited with code 3"),
             blocked.dump());
  BOOST_TEST(!blocked["at"].get<std::string>().empty());

  // A person approves: the run goes on and ends, and says so.
  BOOST_REQUIRE(p.sdlc({"approve", "S-0001"}).exit_code == 0);
  auto code = run.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(code, "the run did not end: " + test::read(p.run_log));
  const auto out = test::read(p.run_log);
  got = hook.received();
  const auto* end = find(got, "run_finished");
  BOOST_REQUIRE_MESSAGE(end, out);
  const auto summary = (*end)["summary"].get<std::string>();
  BOOST_TEST(has(summary, "2 stories"), summary);
  BOOST_TEST(has(summary, "1 blocked"), summary);
  BOOST_TEST((*end)["run"] == waiting["run"]);
  // Each event once: the blocked story's own end did not repeat it.
  int blocked_count = 0;
  for (const auto& e : got)
    blocked_count += e.value("event", "") == "story_blocked";
  BOOST_TEST(blocked_count == 1);

  // The command heard the same, with the event in its environment.
  auto cmd = p.commanded();
  std::vector<std::string> events;
  for (const auto& [json, env_event] : cmd) {
    BOOST_TEST(json["event"] == env_event);
    events.push_back(env_event);
  }
  BOOST_TEST(std::count(events.begin(), events.end(), "awaiting_approval") == 1);
  BOOST_TEST(std::count(events.begin(), events.end(), "story_blocked") == 1);
  BOOST_TEST(std::count(events.begin(), events.end(), "run_finished") == 1);

  // The file channel: ai-sdlc's Notification fields, one JSON object a line.
  const auto log = p.repo / ".ai-sdlc/notifications.log";
  BOOST_REQUIRE(stdfs::exists(log));
  std::ifstream in(log);
  int lines = 0;
  bool approval_line = false;
  for (std::string line; std::getline(in, line); ++lines) {
    auto j = nlohmann::json::parse(line);
    for (auto key : {"type", "storyId", "title", "message", "timestamp", "actionRequired"})
      BOOST_TEST(j.contains(key), key);
    approval_line |= j["type"] == "awaiting_approval" && j["storyId"] == "S-0001";
  }
  BOOST_TEST(lines == static_cast<int>(got.size()));
  BOOST_TEST(approval_line);
  // The console: ai-sdlc's line.
  BOOST_TEST(has(out, "[ACTION REQUIRED] [awaiting_approval] S-0001: Alpha - "), out);
  BOOST_TEST(has(out, "[ACTION REQUIRED] [story_blocked] S-0002: Beta - "), out);
  BOOST_TEST(!has(out, "not delivered"), out);
}

BOOST_AUTO_TEST_CASE(a_webhook_that_hangs_costs_its_timeout_and_its_secret_is_never_shown) {
  hook_server hook(answer::hang);
  project p(hook.url(), false);
  const auto started = std::chrono::steady_clock::now();
  auto r = p.sdlc({"run", "--auto", "--concurrent", "2"});
  const auto took = std::chrono::steady_clock::now() - started;
  // Beta blocked: the run's exit says so, as without notifications.
  BOOST_TEST(r.exit_code != 0);
  BOOST_TEST(has(r.out, "story_blocked (S-0002) not delivered by webhook http://127.0.0.1:"),
             r.out);
  BOOST_TEST(has(r.out, "Timeout was reached"), r.out);
  // The server holds every call for 60 s: the run waited 400 ms and one retry
  // per notification (two here), not the server.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(took).count() < 40);
  BOOST_TEST(hook.calls() == 4u); // blocked and run_finished, each tried twice
  // A failure after the run's end is printed, not journaled: the journal
  // ends with the run's end (report measures the run to its last line).
  std::vector<nlohmann::json> journal;
  for (const auto& e : stdfs::directory_iterator(p.repo / ".ai-sdlc/runs"))
    journal = read_journal(e.path() / "events.jsonl");
  BOOST_REQUIRE(!journal.empty());
  BOOST_TEST(journal.back()["event"] == "run_finished");

  // The other channels were not held up by it.
  BOOST_TEST(p.commanded().size() == 2u);
  // The secret in the URL's path is in no output, log or journal.
  BOOST_TEST(!has(r.out + r.err, secret));
  for (const auto& e : stdfs::recursive_directory_iterator(p.repo / ".ai-sdlc"))
    if (e.is_regular_file() && e.path().filename() != ".ai-sdlc.json") // the user's own
      BOOST_TEST(!has(test::read(e.path()), "hook-secret"), e.path());
}

BOOST_AUTO_TEST_CASE(a_webhook_answering_500_is_retried_once_and_the_run_goes_on) {
  hook_server hook(answer::error);
  project p(hook.url(), false);
  auto r = p.sdlc({"run", "--auto", "--concurrent", "2"});
  BOOST_TEST(has(r.out, "HTTP 500; retried: HTTP 500"), r.out);
  BOOST_TEST(hook.calls() == 4u);
  BOOST_TEST(has(r.out, "notifications: 2 deliveries failed"), r.out);
  // Alpha still went all the way.
  BOOST_TEST(has(p.sdlc({"status", "--json"}).out, "\"done\""));
}

// `notify --test` takes the way a run's notification takes, once, and says
// which channel delivered it and which did not (and which key to fix).
BOOST_AUTO_TEST_CASE(notify_test_goes_through_every_channel_and_names_the_one_that_failed) {
  {
    hook_server hook(answer::ok);
    project p(hook.url(), false);
    auto r = p.sdlc({"notify", "--test", "--event", "story_blocked", "--story", "s-0001"});
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "[ACTION REQUIRED] [story_blocked] S-0001: Alpha - a test"), r.out);
    for (const char* channel : {"console", "file", "command", "webhook http://127.0.0.1:"})
      BOOST_TEST(has(r.out, std::string("  ") + channel), channel << " in " << r.out);
    BOOST_TEST(!has(r.out, "not delivered"), r.out);
    BOOST_REQUIRE(hook.calls() == 1u);
    const auto got = hook.received()[0];
    BOOST_TEST(got["event"] == "story_blocked");
    BOOST_TEST(got["storyId"] == "S-0001");
    BOOST_TEST(got["title"] == "Alpha");
    BOOST_REQUIRE(p.commanded().size() == 1u);
    BOOST_TEST(p.commanded()[0].second == "story_blocked"); // SDLC_EVENT, as in a run
    BOOST_TEST(has(test::read(p.repo / ".ai-sdlc/notifications.log"), "\"run\":\"test\""));
    BOOST_TEST(!has(r.out + r.err, secret));

    // A kind notification.events leaves out: sent, with a note that a run would not.
    p.set("notification.events", "[run_finished]");
    r = p.sdlc({"notify", "--test", "--event", "awaiting_approval"});
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "notification.events does not have awaiting_approval"), r.out);

    auto bad = p.sdlc({"notify", "--test", "--event", "story_exploded"});
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(has(bad.err, "--event story_exploded: no such notification; one of story_blocked"),
               bad.err);
    bad = p.sdlc({"notify", "--test", "--story", "S-0042"});
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(has(bad.err, "no story 'S-0042'"), bad.err);
    BOOST_TEST(p.sdlc({"notify"}).exit_code == 2); // --test is what it does: asked for

    p.set("notification.enabled", "false");
    auto off = p.sdlc({"notify", "--test"});
    BOOST_TEST(off.exit_code == 1);
    BOOST_TEST(has(off.err, "notification.enabled is false (.ai-sdlc.json)"), off.err);
  }
  hook_server failing(answer::error);
  project p(failing.url(), false);
  auto r = p.sdlc({"notify", "--test", "--json"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["delivered"] == false);
  BOOST_TEST(j["sent"]["event"] == "run_finished");
  BOOST_REQUIRE(j["channels"].size() == 4u);
  BOOST_TEST(j["channels"][2]["delivered"] == true); // the command, beside the failing webhook
  BOOST_TEST(j["channels"][3]["problem"] == "HTTP 500; retried: HTTP 500");
  BOOST_TEST(j["channels"][3]["key"] == "notification.webhookUrl");
  BOOST_TEST(has(r.err, "[INFO] [run_finished]")); // the console's line, off stdout
  BOOST_TEST(!has(r.out + r.err, secret));
  auto text = p.sdlc({"notify", "--test"});
  BOOST_TEST(has(text.out, "not delivered: HTTP 500; retried: HTTP 500 (notification.webhookUrl)"),
             text.out);
}
