// Story folders are placed apart (fs::spread_subfolders): on ext4 the board's
// stories folder carries the flag for the top of a directory hierarchy once
// `init` or `add` made it; elsewhere nothing fails.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/fs.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

// On ext4 the flag is set. Elsewhere it is a hint the file system may
// refuse, and the folder is left as it was.
void expect_spread(const std::filesystem::path& dir) {
  auto spread = fs::spreads_subfolders(dir);
  if (test::on_ext4(dir)) {
    BOOST_TEST_REQUIRE(spread.has_value(), dir << " is on ext4, which has folder flags");
    BOOST_TEST(*spread, dir << " should carry ext4's top-directory flag");
  } else {
    BOOST_TEST_MESSAGE(dir << " is not on ext4: the flag is only a hint there");
    BOOST_TEST(std::filesystem::is_directory(dir));
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(a_folder_is_marked_once_and_a_missing_one_is_no_error) {
  test::temp_dir t;
  auto dir = t.path / "stories";
  std::filesystem::create_directories(dir);
  BOOST_TEST(!fs::spreads_subfolders(dir).value_or(false));
  fs::spread_subfolders(dir);
  expect_spread(dir);
  fs::spread_subfolders(dir); // idempotent
  expect_spread(dir);
  fs::spread_subfolders(t.path / "missing"); // noexcept: nothing to mark
  BOOST_TEST(!fs::spreads_subfolders(t.path / "missing").has_value());
  BOOST_TEST(!std::filesystem::exists(t.path / "missing"));
}

BOOST_AUTO_TEST_CASE(init_and_add_place_story_folders_apart) {
  test::temp_dir t;
  board b(t.path, load_config(t.path, {}), false);
  b.init();
  expect_spread(b.stories_dir());

  // A board made without the flag (by ai-sdlc) gets it from the first `add`.
  test::temp_dir u;
  std::filesystem::create_directories(u.path / ".ai-sdlc/stories");
  board theirs(u.path, load_config(u.path, {}), false);
  BOOST_TEST(!fs::spreads_subfolders(theirs.stories_dir()).value_or(false));
  new_story spec;
  spec.title = "Add login";
  auto s = theirs.add(spec);
  BOOST_TEST(s.id() == "S-0001");
  expect_spread(theirs.stories_dir());
}
