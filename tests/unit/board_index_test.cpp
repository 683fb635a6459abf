#define BOOST_TEST_MODULE board_index
// The board index and story summaries: a summary reads exactly as the story it
// was made from, and the index never answers for a file that changed.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/board_index.hpp"
#include "runtime/story/board_index_codec.hpp"
#include "runtime/workflow/next_action.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fcntl.h>
#include <regex>
#include <sys/stat.h>
#include <thread>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

// Each story accessor a reader uses, on both forms.
void require_same_reading(const story& full, const story& sum) {
  BOOST_TEST_CONTEXT(full.file()) {
    BOOST_TEST(sum.is_summary());
    BOOST_TEST(sum.id() == full.id());
    BOOST_TEST(sum.title() == full.title());
    BOOST_TEST(sum.slug() == full.slug());
    BOOST_TEST(sum.type() == full.type());
    BOOST_TEST((sum.status() == full.status()));
    BOOST_TEST(sum.priority() == full.priority());
    BOOST_TEST(sum.labels() == full.labels());
    BOOST_TEST(sum.dependencies() == full.dependencies());
    BOOST_TEST(sum.last_review_decision() == full.last_review_decision());
    for (const auto& [k, value] : full.fields()) {
      const auto& key = k.str();
      BOOST_TEST_CONTEXT(key) {
        BOOST_TEST(sum.has(key));
        BOOST_TEST(sum.str(key) == full.str(key));
        BOOST_TEST(sum.list(key) == full.list(key));
        BOOST_TEST(sum.flag(key) == full.flag(key));
        BOOST_TEST(sum.number(key, -7) == full.number(key, -7));
      }
    }
    BOOST_TEST(!sum.has("no_such_key"));
    const auto lim = workflow_limits{};
    auto a = next_action(facts_of(full), lim);
    auto b = next_action(facts_of(sum), lim);
    BOOST_TEST((a.action == b.action));
    BOOST_TEST(a.reason == b.reason);
  }
}

struct cache_env {
  test::temp_dir dir;
  cache_env() {
    ::setenv("XDG_CACHE_HOME", dir.path.c_str(), 1);
    ::unsetenv("SDLC_BOARD_INDEX");
  }
  ~cache_env() { ::unsetenv("XDG_CACHE_HOME"); }
};

stdfs::path index_of(const board& b) {
  auto f = index_file_for(b.sdlc_dir());
  BOOST_REQUIRE(f);
  return *f;
}

// Sets `file`'s modification time back to `mtime_ns` (its ctime moves on: the
// kernel keeps that one).
void set_mtime(const stdfs::path& file, std::int64_t mtime_ns) {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = mtime_ns / 1'000'000'000;
  times[1].tv_nsec = mtime_ns % 1'000'000'000;
  BOOST_REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
}

} // namespace

BOOST_AUTO_TEST_CASE(settled_needs_both_timestamps_older_than_the_granularity) {
  file_identity id;
  id.mtime_ns = 1'000;
  id.ctime_ns = 1'000;
  BOOST_TEST(settled(id, 1'000 + 501, 500));
  BOOST_TEST(!settled(id, 1'000 + 500, 500)); // the same tick as the read: could change unseen
  id.ctime_ns = 1'400;                        // metadata changed later (a restored mtime)
  BOOST_TEST(!settled(id, 1'000 + 501, 500));
  BOOST_TEST(settled(id, 1'400 + 501, 500));
}

BOOST_AUTO_TEST_CASE(plain_bools_and_numbers_match_their_patterns) {
  // The patterns the hand-written checks replaced.
  const std::regex bool_re("^(true|True|TRUE|false|False|FALSE)$");
  const std::regex int_re("^[-+]?[0-9]+$");
  const std::regex num_re(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  for (std::string s :
       {"true", "True", "TRUE", "tRue", "false", "False", "FALSE", "yes",   "",
        "1",    "-1",   "+1",   "12",   "1.",    ".5",    "-.5",   "1.5e3", "1e",
        "1e+",  "1e+5", "1E-5", ".",    "-",     "+",     "1.2.3", "0x10",  "1_000",
        " 1",   "1 ",   "e5",   "+.e5", "1.e5",  "--1",   "12a",   ".inf",  "nan"}) {
    BOOST_TEST_CONTEXT("'" << s << "'") {
      auto node = YAML::Load(s.empty() ? "''" : "'" + s + "'");
      auto plain = YAML::Load(s.empty() ? "~" : s);
      if (plain.IsScalar() && plain.Scalar() == s) {
        BOOST_TEST(yaml::is_bool(plain) == std::regex_match(s, bool_re));
        BOOST_TEST(yaml::is_int(plain) == std::regex_match(s, int_re));
        BOOST_TEST(yaml::is_number(plain) == std::regex_match(s, num_re));
      }
      // Quoted, it is a string whatever it spells.
      BOOST_TEST(!yaml::is_bool(node));
      BOOST_TEST(!yaml::is_number(node));
    }
  }
}

BOOST_AUTO_TEST_CASE(summaries_read_as_the_corpus_stories_and_survive_the_index_format) {
  cache_env env;
  test::temp_dir t;
  auto root = test::copy_corpus(t.path / "p");
  board b(root, load_config(root, {}));
  auto full = b.scan(scan_depth::full);
  auto sum = b.scan(scan_depth::summary);
  BOOST_REQUIRE(full.stories.size() > 5);
  BOOST_REQUIRE_EQUAL(sum.stories.size(), full.stories.size());
  BOOST_TEST(sum.problems.size() == full.problems.size());
  std::map<std::string, index_entry> entries;
  for (std::size_t i = 0; i < full.stories.size(); ++i) {
    BOOST_REQUIRE(sum.stories[i].file() == full.stories[i].file()); // same order
    require_same_reading(full.stories[i], sum.stories[i]);
    auto fields = full.stories[i].fields();
    BOOST_TEST((sum.stories[i].fields() == fields));
    entries[sum.stories[i].file().string()] = {*identity_of(sum.stories[i].file()), fields,
                                               full.stories[i].last_review_decision()};
  }
  // Through the index's file format and back, each story reads the same.
  auto bytes = encode_index("board", entries);
  auto back = decode_index(std::string(bytes.begin(), bytes.end()), "board");
  BOOST_REQUIRE(back);
  BOOST_REQUIRE_EQUAL(back->size(), entries.size());
  for (const auto& s : full.stories) {
    const auto& e = back->at(s.file().string());
    BOOST_TEST((e.identity == entries[s.file().string()].identity));
    require_same_reading(s, story::from_fields(s.file(), e.fields, e.last_review_decision));
  }
  // A file of another board, or cut short anywhere, is no index.
  BOOST_TEST(!decode_index(std::string(bytes.begin(), bytes.end()), "other"));
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, bytes.size() / 3, bytes.size() - 1})
    BOOST_TEST(!decode_index(std::string(bytes.begin(), bytes.begin() + cut), "board"));
}

BOOST_AUTO_TEST_CASE(typed_values_and_review_history_read_the_same_in_a_summary) {
  auto text = test::story_text(
      "S-0009", "in-progress",
      "research_complete: True\nlabel_like: 'true'\nretry_count: 2\nrework_approved: 1.9\n"
      "odd: ~\nempty:\nquoted_number: '12'\nnested: {a: 1}\nmixed: [a, {b: 1}, c]\n"
      "review_history:\n  - decision: APPROVED\n  - {decision: REJECTED, at: x}\n"
      "blocked_reason: \"two\\nlines\"\n");
  auto full = story::parse(text, "S-0009/story.md");
  auto sum = full.summary();
  require_same_reading(full, sum);
  BOOST_TEST(sum.last_review_decision() == "REJECTED");
  BOOST_TEST(sum.flag("research_complete"));
  BOOST_TEST(!sum.flag("label_like")); // a quoted 'true' is a string
  BOOST_TEST(sum.number("quoted_number", -1) == -1);
  BOOST_TEST(sum.list("mixed") == (std::vector<std::string>{"a", "c"}));
  BOOST_TEST(sum.has("odd"));
  BOOST_TEST(sum.str("odd") == "");
  BOOST_TEST(sum.str("blocked_reason") == "two\nlines");
}

BOOST_AUTO_TEST_CASE(a_summary_has_no_yaml_or_body_to_give) {
  auto sum = story::parse(test::story_text("S-0001"), "S-0001/story.md").summary();
  BOOST_CHECK_THROW(sum.body(), std::logic_error);
  BOOST_CHECK_THROW(sum.render(), std::logic_error);
  BOOST_CHECK_THROW(sum.set_string("title", "x"), std::logic_error);
  const story& c = sum;
  BOOST_CHECK_THROW(c.frontmatter(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(unchanged_stories_come_from_the_index_and_changed_ones_are_read_fresh) {
  cache_env env;
  test::temp_dir t;
  test::make_board(t.path, {{"S-0001", test::story_text("S-0001", "ready")},
                            {"S-0002", test::story_text("S-0002", "backlog")},
                            {"S-0003", test::story_text("S-0003", "done")}});
  board b(t.path, load_config(t.path, {}));
  auto file2 = b.stories_dir() / "S-0002" / "story.md";

  // Just written: nothing is settled, everything is parsed, nothing remembered.
  BOOST_TEST(b.scan().parsed == 3u);
  BOOST_TEST(board_index::load(index_of(b), b.sdlc_dir()).size() == 0u);
  // Older than the coarsest timestamp tick: remembered, then not parsed again.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  BOOST_TEST(b.scan().parsed == 3u);
  BOOST_TEST(board_index::load(index_of(b), b.sdlc_dir()).size() == 3u);
  auto from_index = b.scan();
  BOOST_TEST(from_index.parsed == 0u);
  BOOST_REQUIRE_EQUAL(from_index.stories.size(), 3u);
  BOOST_TEST(from_index.stories[1].title() == "Story S-0002");
  BOOST_TEST((from_index.stories[2].status() == story_status::done));
  auto parsed_now = b.scan(scan_depth::full);
  for (std::size_t i = 0; i < 3; ++i)
    require_same_reading(parsed_now.stories.at(i), from_index.stories[i]);

  // Changed behind the index with the same size and the old mtime restored:
  // its ctime gives it away, and it is read fresh.
  auto old = identity_of(file2);
  BOOST_REQUIRE(old);
  auto text = test::read(file2);
  auto at = text.find("Story S-0002");
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, 12, "Story X-0002");
  test::write(file2, text);
  set_mtime(file2, old->mtime_ns);
  auto now = identity_of(file2);
  BOOST_REQUIRE(now);
  BOOST_TEST(now->size == old->size);
  BOOST_TEST(now->mtime_ns == old->mtime_ns);
  auto fresh = b.scan();
  BOOST_TEST(fresh.parsed == 1u);
  BOOST_TEST(fresh.stories[1].title() == "Story X-0002");
  // A story removed is gone, whatever the index held.
  stdfs::remove_all(b.stories_dir() / "S-0003");
  BOOST_TEST(b.scan().stories.size() == 2u);
  // The index now holds what is settled: S-0001 (S-0002 was just changed).
  BOOST_TEST(board_index::load(index_of(b), b.sdlc_dir()).size() == 1u);
  // A scan that finds what the index holds does not write it again (an
  // atomic write would give it a new inode).
  const auto written = identity_of(index_of(b));
  BOOST_REQUIRE(written);
  b.scan();
  BOOST_TEST(identity_of(index_of(b))->inode == written->inode);

  // A damaged index is only a slower scan.
  test::write(index_of(b), "not cbor at all");
  auto after_damage = b.scan();
  BOOST_TEST(after_damage.parsed == 2u);
  BOOST_TEST(after_damage.stories.size() == 2u);

  // Turned off: every story parsed, the index file left alone.
  const auto index_file = index_of(b);
  stdfs::remove(index_file);
  ::setenv("SDLC_BOARD_INDEX", "off", 1);
  BOOST_TEST(!index_file_for(b.sdlc_dir()));
  BOOST_TEST(b.scan().parsed == 2u);
  BOOST_TEST(b.scan().parsed == 2u);
  ::unsetenv("SDLC_BOARD_INDEX");
  BOOST_TEST(!stdfs::exists(index_file));

  // Or kept in a folder of one's choice.
  ::setenv("SDLC_BOARD_INDEX", (env.dir.path / "elsewhere").c_str(), 1);
  BOOST_TEST(index_of(b).parent_path() == env.dir.path / "elsewhere");
  b.scan();
  BOOST_TEST(stdfs::exists(index_of(b)));
  ::unsetenv("SDLC_BOARD_INDEX");
}

BOOST_AUTO_TEST_CASE(an_index_written_for_another_board_is_not_read) {
  cache_env env;
  test::temp_dir t;
  test::make_board(t.path / "a", {{"S-0001", test::story_text("S-0001", "ready")}});
  test::make_board(t.path / "b", {{"S-0001", test::story_text("S-0001", "done")}});
  board a(t.path / "a", load_config(t.path / "a", {}));
  board b(t.path / "b", load_config(t.path / "b", {}));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  BOOST_TEST(a.scan().parsed == 1u);
  BOOST_TEST(a.scan().parsed == 0u);
  // b's index file made to hold a's content (as a hash collision would).
  stdfs::create_directories(index_of(b).parent_path());
  stdfs::copy_file(index_of(a), index_of(b), stdfs::copy_options::overwrite_existing);
  auto scan = b.scan();
  BOOST_TEST(scan.parsed == 1u);
  BOOST_TEST((scan.stories.at(0).status() == story_status::done));
}

// run --watch scans what its look listed, so that a look that plans lists the
// board once: that scan reads as a scan of its own would, problems included,
// and names only what the listing saw.
BOOST_AUTO_TEST_CASE(a_scan_of_a_listing_reads_what_a_scan_would) {
  cache_env env;
  test::temp_dir t;
  test::make_board(t.path, {{"S-0001", test::story_text("S-0001", "ready")},
                            {"S-0002", test::story_text("S-0002", "backlog")}});
  board b(t.path, load_config(t.path, {}));
  stdfs::create_directories(b.stories_dir() / "S-0003");
  BOOST_REQUIRE(::mkfifo((b.stories_dir() / "S-0003" / "story.md").c_str(), 0600) == 0);

  const auto listed = b.listing();
  const auto own = b.scan();
  const auto of_listing = b.scan(scan_depth::summary, listed);
  BOOST_REQUIRE_EQUAL(of_listing.stories.size(), own.stories.size());
  for (std::size_t i = 0; i < own.stories.size(); ++i)
    require_same_reading(b.scan(scan_depth::full).stories.at(i), of_listing.stories[i]);
  BOOST_REQUIRE_EQUAL(of_listing.problems.size(), 1u);
  BOOST_REQUIRE_EQUAL(own.problems.size(), 1u);
  BOOST_TEST(of_listing.problems[0].file == own.problems[0].file);
  BOOST_TEST(of_listing.problems[0].message == own.problems[0].message);

  // A story added since is the next look's: that listing differs.
  test::make_board(t.path, {{"S-0004", test::story_text("S-0004", "ready")}});
  BOOST_TEST(b.scan(scan_depth::summary, listed).stories.size() == 2u);
  BOOST_TEST(b.scan().stories.size() == 3u);
  BOOST_TEST(!unchanged_since(listed, b.listing()));
}
