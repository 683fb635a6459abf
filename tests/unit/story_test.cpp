#define BOOST_TEST_MODULE story
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/story/story.hpp"
#include "runtime/story/story_cache.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace sdlc;

namespace {
std::string error_of(const std::string& text) {
  try {
    story::parse(text, "board/S-0001/story.md");
  } catch (const sdlc::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == 2);
    return e.what();
  }
  BOOST_FAIL("expected an error for: " << text.substr(0, 80));
  return "";
}
} // namespace

BOOST_AUTO_TEST_CASE(fields_are_read) {
  auto s = story::parse(test::story_text("S-0001", "in-progress",
                                         "research_complete: true\ndependencies:\n  - S-0002\n"
                                         "depends_on: [S-0003, S-0002]\nlabels: [x]\n"),
                        "f.md");
  BOOST_TEST(s.id() == "S-0001");
  BOOST_TEST((s.status() == story_status::in_progress));
  BOOST_TEST(s.priority() == 10);
  BOOST_TEST(s.flag("research_complete"));
  BOOST_TEST(!s.flag("plan_complete"));
  BOOST_TEST(s.dependencies() == (std::vector<std::string>{"S-0002", "S-0003"}));
  BOOST_TEST(s.labels() == std::vector<std::string>{"x"});
}

BOOST_AUTO_TEST_CASE(status_in_body_is_body) {
  auto s =
      story::parse(test::story_text("S-0001", "ready", "", "status: done\n---\nmore\n"), "f.md");
  BOOST_TEST(s.str("status") == "ready");
  BOOST_TEST(s.body() == "status: done\n---\nmore\n");
}

BOOST_AUTO_TEST_CASE(render_keeps_body_and_crlf_bytes) {
  std::string text =
      "---\r\nid: S-0001\r\ntitle: T\r\nstatus: ready\r\n---\r\nbody \xF0\x9F\x9A\x80\r\n";
  auto s = story::parse(text, "f.md");
  BOOST_TEST(s.render() == text);
}

BOOST_AUTO_TEST_CASE(bad_stories_are_clear_errors) {
  BOOST_TEST(
      error_of("---\nid: S-0001\ntitle: T\nstatus: ready\n# no end\n").find("never closed") !=
      std::string::npos);
  BOOST_TEST(error_of("# Title\nno frontmatter\n").find("starts with a '---'") !=
             std::string::npos);
  BOOST_TEST(error_of("---\n- a\n- b\n---\n").find("found a list") != std::string::npos);
  BOOST_TEST(error_of("---\nid: S-1\nid: S-2\ntitle: T\nstatus: ready\n---\n")
                 .find("duplicate key 'id'") != std::string::npos);
  BOOST_TEST(error_of("---\nid: S-0001\ntitle: T\nstatus: ready\n---\nbad \xC3\x28 byte\n")
                 .find("invalid UTF-8") != std::string::npos);
  BOOST_TEST(
      error_of("---\nid: S-0001\ntitle: T\nstatus: ready\nlabels:\n\t- x\n---\n").find("tab") !=
      std::string::npos);
  BOOST_TEST(
      error_of("---\nid: ../../etc\ntitle: T\nstatus: ready\n---\n").find("id '../../etc'") !=
      std::string::npos);
  BOOST_TEST(error_of("---\nid: S-0001\ntitle: T\nstatus: doing\n---\n").find("status 'doing'") !=
             std::string::npos);
  BOOST_TEST(error_of("---\nid: S-0001\ntitle: T\nstatus: ready\npriority: high\n---\n")
                 .find("priority must be a number") != std::string::npos);
  BOOST_TEST(error_of("---\nid: S-0001\ntitle: T\nstatus: ready\nplan_complete: 'yes'\n---\n")
                 .find("'plan_complete' must be true or false") != std::string::npos);
  BOOST_TEST(error_of("---\nid: S-0001\ntitle: T\nstatus: ready\ndependencies: S-0002\n---\n")
                 .find("'dependencies' must be a list") != std::string::npos);
  BOOST_TEST(error_of("---\ntitle: T\nstatus: ready\n---\n").find("no 'id'") != std::string::npos);
  std::string huge = test::story_text("S-0001") + std::string(50u << 20, 'x');
  BOOST_TEST(error_of(huge).find("MiB limit") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(safe_names) {
  BOOST_TEST(is_safe_name("S-0001"));
  BOOST_TEST(is_safe_name("my-slug_2.0"));
  BOOST_TEST(!is_safe_name("../S-0001"));
  BOOST_TEST(!is_safe_name("a/b"));
  BOOST_TEST(!is_safe_name(".."));
  BOOST_TEST(!is_safe_name(""));
  BOOST_TEST(!is_safe_name("a..b"));
  BOOST_TEST(slugify("Add user login! (v2)") == "add-user-login-v2");
  BOOST_TEST(slugify("???") == "story");
}

// A story session reads its story ~30 times a run: the cache parses it once
// per distinct content, and never serves what the file no longer holds.
BOOST_AUTO_TEST_CASE(story_cache_parses_once_per_content_and_sees_every_edit) {
  sdlc::test::temp_dir tmp;
  sdlc::board b(tmp.path, sdlc::load_config(tmp.path, {}), false);
  b.init();
  auto file = b.stories_dir() / "S-0001" / "story.md";
  std::filesystem::create_directories(file.parent_path());
  const std::string v1 = "---\nid: S-0001\ntitle: One\nstatus: ready\n---\nbody\n";
  sdlc::fs::atomic_write(file, v1);
  story_cache cache;
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(cache.load(file).title() == "One");
  BOOST_TEST(cache.parses() == 1u);
  // Edited behind the cache, same size and within the same clock tick: seen.
  const std::string v2 = "---\nid: S-0001\ntitle: Two\nstatus: ready\n---\nbody\n";
  BOOST_TEST(v2.size() == v1.size());
  { std::ofstream(file, std::ios::binary | std::ios::trunc) << v2; }
  BOOST_TEST(cache.load(file).title() == "Two");
  BOOST_TEST(cache.parses() == 2u);
  // A copy handed out is the caller's to change.
  auto mine = cache.load(file);
  mine.set_string("title", "Changed");
  BOOST_TEST(cache.load(file).title() == "Two");
  BOOST_TEST(cache.parses() == 2u);
  // What update_file wrote is remembered: no parse to read it back.
  auto written = b.update_file(
      file, [](story& s) { s.set_string("title", "Three"); }, &cache);
  BOOST_TEST(written.title() == "Three");
  BOOST_TEST(cache.load(file).title() == "Three");
  BOOST_TEST(cache.parses() == 2u);
  BOOST_TEST(story::load(file).title() == "Three");
  // The text it wrote stands for its own render; a person's bytes do not.
  const auto ours = sdlc::fs::read_file(file);
  BOOST_TEST((cache.render_of(ours, file) == std::optional<std::string>(ours)));
  BOOST_TEST(!cache.render_of(v2, file));
}

// A change that changes nothing is not written: not after our own write (the
// render is taken from the cache), and not to a file laid out by hand, which
// keeps its layout until a change that matters.
BOOST_AUTO_TEST_CASE(an_update_that_changes_nothing_does_not_write) {
  sdlc::test::temp_dir tmp;
  sdlc::board b(tmp.path, sdlc::load_config(tmp.path, {}), false);
  b.init();
  auto file = b.stories_dir() / "S-0001" / "story.md";
  std::filesystem::create_directories(file.parent_path());
  const std::string by_hand = "---\nid:    S-0001\ntitle:   One\nstatus: ready\n---\nbody\n";
  sdlc::fs::atomic_write(file, by_hand);
  auto inode = [&] { return sdlc::test::inode_of(file); };
  story_cache cache;
  const auto hand_inode = inode();
  b.update_file(
      file, [](story& s) { s.set_string("title", "One"); }, &cache);
  BOOST_TEST(inode() == hand_inode);
  BOOST_TEST(sdlc::fs::read_file(file) == by_hand);
  b.update_file(
      file, [](story& s) { s.set_string("title", "Two"); }, &cache);
  const auto ours = inode();
  BOOST_TEST(ours != hand_inode);
  b.update_file(
      file, [](story& s) { s.set_string("title", "Two"); }, &cache);
  BOOST_TEST(inode() == ours);
  b.update_file(file, [](story& s) { s.set_string("title", "Two"); }); // no cache: same answer
  BOOST_TEST(inode() == ours);
  BOOST_TEST(story::load(file).title() == "Two");
}

// The two ways a file is replaced differ only in what they make durable:
// each gives the new content in one rename, keeps the file's permissions and
// leaves no working file behind.
BOOST_AUTO_TEST_CASE(every_replace_is_whole_keeps_permissions_and_leaves_no_temp_file) {
  sdlc::test::temp_dir tmp;
  using write_fn = void (*)(const std::filesystem::path&, std::string_view);
  for (write_fn write : {&sdlc::fs::atomic_write, &sdlc::fs::atomic_replace_cached}) {
    auto file = tmp.path / "state.json";
    write(file, "old\n");
    std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read);
    write(file, "new\n");
    BOOST_TEST(sdlc::fs::read_file(file) == "new\n");
    BOOST_TEST(((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
                (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                 std::filesystem::perms::group_read)));
    BOOST_TEST(std::distance(std::filesystem::directory_iterator(tmp.path),
                             std::filesystem::directory_iterator()) == 1);
    std::filesystem::remove(file);
  }
}
