// runtime/console/json_output: a --json document with a value JSON cannot
// carry is refused whole, naming the value, wherever in the document it is.
#include "runtime/console/json_output.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(json_output_suite)

namespace {

std::string refusal(const nlohmann::ordered_json& doc) {
  try {
    (void)json_output(doc, without_json("details S-0001"));
  } catch (const error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == static_cast<int>(exit_code::bad_input));
    return e.what();
  }
  return "";
}

} // namespace

BOOST_AUTO_TEST_CASE(a_document_is_laid_out_as_dump_lays_it_out) {
  nlohmann::ordered_json doc{{"id", "S-0001"}, {"files", {"a.txt", "caf\xc3\xa9"}}};
  BOOST_TEST(json_output(doc, without_json("details S-0001")) == doc.dump(2) + "\n");
  BOOST_TEST(json_output(doc, work_done("add", "status"), -1) == doc.dump() + "\n");
  BOOST_TEST(json_output(nlohmann::json::array(), without_json("runs")) == "[]\n");
}

BOOST_AUTO_TEST_CASE(the_value_that_is_not_utf8_is_named_wherever_it_is) {
  const std::string bad = "stories/S-0002\xff/story.md";
  for (const auto& doc : {nlohmann::ordered_json{{"path", bad}},
                          nlohmann::ordered_json{{"ok", 1}, {"deep", {{"list", {"x", bad}}}}},
                          nlohmann::ordered_json{{"ok", "y"}, {bad, true}}}) {
    auto msg = refusal(doc);
    BOOST_TEST(msg.find("stories/S-0002\\xff…: this value is not valid UTF-8") != std::string::npos,
               msg);
    BOOST_TEST(msg.find("`sdlc-actors details S-0001` without --json") != std::string::npos, msg);
  }
  // The byte at the very end: nothing follows it, so no ellipsis.
  auto msg = refusal(nlohmann::ordered_json{{"title", "abc\xc3"}});
  BOOST_TEST(msg.find("abc\\xc3: this value") != std::string::npos, msg);
}

// A command that changed something is not to be run again to see the result.
BOOST_AUTO_TEST_CASE(a_command_that_did_its_work_says_where_to_see_it) {
  try {
    (void)json_output(nlohmann::ordered_json{{"what", "a\xff"}}, work_done("land", "status"));
    BOOST_FAIL("expected a refusal");
  } catch (const error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("rename it; `sdlc-actors land` has done its work, and `sdlc-actors "
                        "status` shows it") != std::string::npos,
               msg);
  }
}

BOOST_AUTO_TEST_CASE(a_control_character_before_the_bad_byte_is_escaped_too) {
  auto msg = refusal(nlohmann::ordered_json{{"path", "a\x1b[2Jb\xfe"}});
  BOOST_TEST(msg.find("a\\x1b[2Jb\\xfe: this value") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
