// runtime/story/story_from_file: `add -f` takes the title as ai-sdlc does
// (frontmatter title, first '# ' heading, file name) and keeps the text as
// the body, without the file's own frontmatter and NUL bytes.
#include "runtime/story/story_from_file.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(story_from_file_suite)

BOOST_AUTO_TEST_CASE(title_from_frontmatter_then_heading_then_file_name) {
  auto fm = story_from_text("---\ntitle: 'Export as CSV'\nowner: me\n---\n# Other\n\nBody.\n", "f");
  BOOST_TEST(fm.title == "Export as CSV");
  BOOST_TEST(fm.body == "# Other\n\nBody.\n");
  auto h1 = story_from_text("Intro line\n\n#   Search by tag  \n\n## Details\n", "f");
  BOOST_TEST(h1.title == "Search by tag");
  BOOST_TEST(h1.body == "Intro line\n\n#   Search by tag  \n\n## Details\n");
  auto none = story_from_text("just words\n## not a title\n", "fix-login");
  BOOST_TEST(none.title == "fix-login");
}

BOOST_AUTO_TEST_CASE(broken_frontmatter_and_nul_bytes) {
  auto s = story_from_text(std::string("---\ntitle: [unclosed\n---\n# From heading\0x\n", 42), "f");
  BOOST_TEST(s.title == "From headingx");
  BOOST_TEST(s.body.find('\0') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
