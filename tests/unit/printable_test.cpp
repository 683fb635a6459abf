// runtime/util/printable: control characters never reach a terminal.
#include "runtime/util/printable.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(printable_suite)

BOOST_AUTO_TEST_CASE(controls_are_escaped_text_is_not) {
  BOOST_TEST(printable("t\r\x1b[31mred") == "t\\r\\x1b[31mred");
  BOOST_TEST(printable("a\tb\nc") == "a\\tb\\nc");
  BOOST_TEST(printable("a\tb\nc", true) == "a\tb\nc");
  BOOST_TEST(printable("caf\xc3\xa9 \xe2\x86\x92") == "caf\xc3\xa9 \xe2\x86\x92"); // UTF-8 stays
  BOOST_TEST(printable("x\xc2\x9by") == "x\\u009by");                              // C1 CSI
  BOOST_TEST(has_control("\x07"));
  BOOST_TEST(has_control("\xc2\x85"));
  BOOST_TEST(!has_control("plain title é"));
}

BOOST_AUTO_TEST_SUITE_END()
