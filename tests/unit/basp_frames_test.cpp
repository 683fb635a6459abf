// The gatekeeper's frame scanner on bytes alone: frames split anywhere,
// payloads skipped, a claim over the limit and a non-BASP byte refused.
#include "runtime/remote/basp_frames.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

std::string header(unsigned char op, uint32_t len) {
  std::string h(32, '\0');
  h[0] = static_cast<char>(op);
  h[4] = static_cast<char>(len >> 24);
  h[5] = static_cast<char>(len >> 16);
  h[6] = static_cast<char>(len >> 8);
  h[7] = static_cast<char>(len);
  return h;
}

} // namespace

BOOST_AUTO_TEST_SUITE(basp_frames_suite)

BOOST_AUTO_TEST_CASE(frames_split_anywhere_are_followed) {
  const std::string stream = header(0x01, 5) + "hello" + header(0x06, 0) + header(0x02, 3) + "abc";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    basp_frame_scanner s(1024);
    BOOST_TEST(!s.feed(stream.substr(0, cut)).has_value());
    BOOST_TEST(!s.feed(stream.substr(cut)).has_value());
    BOOST_TEST(s.frames() == 3u, "cut at " << cut);
  }
}

BOOST_AUTO_TEST_CASE(a_claim_over_the_limit_is_refused) {
  basp_frame_scanner s(64u << 10);
  BOOST_TEST(!s.feed(header(0x01, 64u << 10) + std::string(64u << 10, 'x')).has_value());
  auto bad = s.feed(header(0x02, 0xffffffffu));
  BOOST_REQUIRE(bad.has_value());
  BOOST_TEST(bad->find("claims a 4294967295 byte payload") != std::string::npos, *bad);
}

BOOST_AUTO_TEST_CASE(bytes_that_are_no_basp_are_refused) {
  basp_frame_scanner s(1024);
  auto bad = s.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n......");
  BOOST_REQUIRE(bad.has_value());
  BOOST_TEST(bad->find("operation byte 0x47") != std::string::npos, *bad);
}

BOOST_AUTO_TEST_SUITE_END()
