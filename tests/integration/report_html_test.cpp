#define BOOST_TEST_MODULE report_html
// `report --html` in a real browser (issue 18, part 2): Debian's chromium,
// headless, renders the page of a real run (a screenshot that is not blank,
// a DOM with a timeline row per story, the dependency graph drawn by
// Graphviz) and of a 200-story run; the page fetches nothing.
#include "runtime/report/run_journal.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

const std::string agent =
    "#!/bin/sh\n"
    "if [ \"$SDLC_STORY_ID\" = S-0003 ] && [ \"$SDLC_ACTION\" = plan ]; then exit 4; fi\n"
    "if [ \"$SDLC_ACTION\" = review ]; then\n"
    "  printf '```json\\n{\"passed\": true, \"issues\": []}\\n```\\n'\n"
    "else sleep 0.2; echo ok; fi\n";

// chromium, headless, as root in CI: no sandbox, its own profile in `dir`,
// killed if it hangs.
test::run_result chromium(const stdfs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/timeout",
                                   "120",
                                   "chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--hide-scrollbars",
                                   "--user-data-dir=" + (dir / "chromium-profile").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, dir, {{"HOME", dir.string()}});
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// A screenshot with something on it is far larger than one of an empty page.
void renders_not_blank(const stdfs::path& dir, const stdfs::path& html) {
  test::write(dir / "blank.html", "<!DOCTYPE html><html><body></body></html>");
  auto blank =
      chromium(dir, {"--screenshot=" + (dir / "blank.png").string(), "--window-size=1400,1000",
                     "file://" + (dir / "blank.html").string()});
  BOOST_REQUIRE_MESSAGE(stdfs::exists(dir / "blank.png"),
                        "chromium (tools/bootstrap installs it): " + blank.out + blank.err);
  auto shot = chromium(dir, {"--screenshot=" + (dir / "report.png").string(),
                             "--window-size=1400,1000", "file://" + html.string()});
  BOOST_REQUIRE_MESSAGE(stdfs::exists(dir / "report.png"), shot.out + shot.err);
  const auto blank_size = stdfs::file_size(dir / "blank.png");
  const auto report_size = stdfs::file_size(dir / "report.png");
  BOOST_TEST(report_size > 5 * blank_size, report_size << " vs blank " << blank_size);
}

std::string dom_of(const stdfs::path& dir, const stdfs::path& html) {
  auto r = chromium(dir, {"--dump-dom", "file://" + html.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

void fetches_nothing(const std::string& html) {
  BOOST_TEST(html.find("<script") == std::string::npos);
  BOOST_TEST(html.find("<link") == std::string::npos);
  BOOST_TEST(html.find("@import") == std::string::npos);
  BOOST_TEST(html.find("url(") == std::string::npos);
  BOOST_TEST(html.find("src=") == std::string::npos);
  // The only URLs are XML namespace names (never fetched).
  std::regex url(R"((https?://[^"' <>]+))");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it)
    BOOST_TEST(it->str().rfind("http://www.w3.org/", 0) == 0u, it->str());
}

} // namespace

BOOST_AUTO_TEST_CASE(the_report_of_a_real_run_renders_in_chromium_with_a_row_per_story) {
  test::temp_dir d;
  const auto repo = d.path / "repo";
  std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"HOME", d.path.string()}};
  test::make_command_agent_board(repo, d.path / "agent.sh", agent, env);
  BOOST_REQUIRE(test::sdlc(repo, {"config", "retry.maxRetries", "0"}, env).exit_code == 0);
  for (auto title : {"Login <form>", "Session & cookies"})
    BOOST_REQUIRE(test::sdlc(repo, {"add", title, "--status", "ready"}, env).exit_code == 0);
  BOOST_REQUIRE(
      test::sdlc(repo, {"add", "Logout", "--status", "ready", "--depends-on", "S-0001"}, env)
          .exit_code == 0);
  test::git(repo, {"add", "-A"});
  test::git(repo, {"commit", "-q", "-m", "board"});
  auto run = test::sdlc(repo, {"run", "--auto", "--concurrent", "2"}, env);
  BOOST_TEST(run.exit_code != 0); // S-0003 is blocked: its plan fails
  auto r = test::sdlc(repo, {"report", "--html", (d.path / "report.html").string()}, env);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  BOOST_TEST(r.out.find("install graphviz") == std::string::npos, r.out);
  const auto html = test::read(d.path / "report.html");
  fetches_nothing(html);
  BOOST_TEST(html.find("Login &lt;form&gt;") != std::string::npos);   // escaped, not markup
  BOOST_TEST(html.find("class=\"graph\"><svg") != std::string::npos); // dot's drawing, inline

  const auto dom = dom_of(d.path, d.path / "report.html");
  BOOST_TEST(count(dom, "<g class=\"row") == 3u);
  for (auto id : {"S-0001", "S-0002", "S-0003"})
    BOOST_TEST(dom.find("data-story=\"" + std::string(id) + "\"") != std::string::npos, id);
  BOOST_TEST(count(dom, "class=\"action a-plan") == 3u);        // each story planned once
  BOOST_TEST(count(dom, "class=\"action a-plan failed") == 1u); // S-0003's failed
  BOOST_TEST(dom.find("class=\"row critical\"") != std::string::npos);
  BOOST_TEST(dom.find("class=\"wait w-") != std::string::npos); // someone waited
  BOOST_TEST(dom.find("Critical path") != std::string::npos);
  renders_not_blank(d.path, d.path / "report.html");
}

// 200 stories, scripted: a journal as a run writes it (four actions each,
// waits, a dependency chain, 429s), then report --html, then chromium.
BOOST_AUTO_TEST_CASE(a_200_story_report_renders_every_row) {
  test::temp_dir d;
  BOOST_REQUIRE(test::sdlc(d.path, {"init"}).exit_code == 0);
  const std::string id = "20261202T120000.000Z-abcd";
  const int64_t t0 = 1764676800000;
  nlohmann::json start{{"event", "run_started"}, {"run", id}, {"at_ms", t0}, {"concurrency", 8}};
  std::vector<nlohmann::json> lines;
  for (int i = 1; i <= 200; ++i) {
    const auto sid = fmt::format("S-{:04}", i);
    start["stories"].push_back(
        {{"id", sid},
         {"title", "Story number " + std::to_string(i)},
         {"depends_on", i % 10 == 0 ? std::vector<std::string>{fmt::format("S-{:04}", i - 1)}
                                    : std::vector<std::string>{}},
         {"expected_actions", 4}});
    int64_t at = t0 + (i / 8) * 40000;
    lines.push_back({{"event", "waiting"}, {"story", sid}, {"cause", "slot"}, {"at_ms", t0}});
    lines.push_back({{"event", "story_started"}, {"story", sid}, {"at_ms", at}});
    for (auto action : {"research", "plan", "implement", "review"}) {
      lines.push_back(
          {{"event", "action_started"}, {"story", sid}, {"action", action}, {"at_ms", at}});
      at += 9000;
      lines.push_back(
          {{"event", "action_finished"}, {"story", sid}, {"action", action}, {"at_ms", at}});
      lines.push_back({{"event", "usage"},
                       {"story", sid},
                       {"action", action},
                       {"cost_usd", 0.01 * (i % 7)},
                       {"at_ms", at}});
    }
    lines.push_back(
        {{"event", "story_finished"}, {"story", sid}, {"result", "done"}, {"at_ms", at}});
    lines.push_back({{"event", "api_limit"},
                     {"in_flight", i % 9},
                     {"cap", 8},
                     {"queued", 0},
                     {"rejections", i / 50},
                     {"paused_until_ms", 0},
                     {"at_ms", at}});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a["at_ms"].template get<int64_t>() < b["at_ms"].template get<int64_t>();
  });
  {
    run_journal j(d.path / ".ai-sdlc/runs", id);
    j.append(start);
    for (const auto& l : lines)
      j.append(l);
    j.append({{"event", "run_finished"}, {"summary", "200 done"}, {"at_ms", t0 + 1100000}});
  }
  auto r = test::sdlc(d.path, {"report", id, "--html", "big.html"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  const auto dom = dom_of(d.path, d.path / "big.html");
  BOOST_TEST(count(dom, "<g class=\"row") == 200u);
  BOOST_TEST(dom.find("data-story=\"S-0200\"") != std::string::npos);
  BOOST_TEST(count(dom, "class=\"action a-") == 800u);
  renders_not_blank(d.path, d.path / "big.html");
}
