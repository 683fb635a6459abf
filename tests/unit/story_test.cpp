#define BOOST_TEST_MODULE story
#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

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
