#include "runtime/story/lock_refresher.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <thread>
#include <utime.h>

using namespace sdlc;
using namespace std::chrono_literals;

namespace {

std::time_t mtime_of(const std::filesystem::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mtime;
}

constexpr std::time_t long_ago = 1000000000; // 2001

void make_old(const std::filesystem::path& p) {
  struct utimbuf old {};
  old.actime = old.modtime = long_ago;
  BOOST_REQUIRE(::utime(p.c_str(), &old) == 0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(lock_refresher_suite)

// Two locks held at once share the one thread; each is touched while held and
// never after its release (it may be someone else's by then).
BOOST_AUTO_TEST_CASE(touches_what_is_held_and_stops_at_release) {
  test::temp_dir d;
  const auto a = d.path / "a.lock", b = d.path / "b.lock";
  std::filesystem::create_directory(a);
  std::filesystem::create_directory(b);
  make_old(a);
  make_old(b);
  const auto old = long_ago;
  lock_refresher r(10ms);
  r.hold(a);
  r.hold(b);
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(mtime_of(a) > old);
  BOOST_TEST(mtime_of(b) > old);

  r.release(a);
  make_old(a);
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(mtime_of(a) == old);
  BOOST_TEST(mtime_of(b) > old);
  r.release(b);
}

// A process that takes the same lock twice (two holds) keeps it fresh until
// both are released.
BOOST_AUTO_TEST_CASE(a_lock_held_twice_stays_fresh_until_both_releases) {
  test::temp_dir d;
  const auto a = d.path / "a.lock";
  std::filesystem::create_directory(a);
  lock_refresher r(10ms);
  r.hold(a);
  r.hold(a);
  r.release(a);
  make_old(a);
  const auto old = long_ago;
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(mtime_of(a) > old);
  r.release(a);
}

BOOST_AUTO_TEST_SUITE_END()
