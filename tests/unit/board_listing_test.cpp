// runtime/story/board_listing: run --watch plans the board again unless a
// listing proves nothing a scan reads has changed.
#include "runtime/story/board_listing.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

constexpr std::int64_t second = 1'000'000'000;

file_identity written_at(std::int64_t ns, std::uint64_t inode = 7) {
  return {1, inode, 120, ns, ns};
}

board_listing listing_at(std::int64_t ns, std::vector<std::optional<file_identity>> ids) {
  board_listing l;
  l.taken_at_ns = ns;
  for (std::size_t i = 0; i < ids.size(); ++i)
    l.files.push_back({"/b/.ai-sdlc/stories/S-000" + std::to_string(i + 1) + "/story.md", ids[i]});
  return l;
}

} // namespace

BOOST_AUTO_TEST_SUITE(board_listing_suite)

BOOST_AUTO_TEST_CASE(settled_files_with_the_same_identities_are_unchanged) {
  auto before = listing_at(100 * second, {written_at(10 * second), written_at(20 * second, 8)});
  auto now = listing_at(105 * second, {written_at(10 * second), written_at(20 * second, 8)});
  BOOST_TEST(unchanged_since(before, now));
}

BOOST_AUTO_TEST_CASE(any_difference_or_doubt_means_plan_again) {
  auto before = listing_at(100 * second, {written_at(10 * second)});
  // Rewritten (a new inode, as every atomic write makes), edited in place,
  // added, removed.
  BOOST_TEST(!unchanged_since(before, listing_at(105 * second, {written_at(10 * second, 9)})));
  BOOST_TEST(!unchanged_since(before, listing_at(105 * second, {written_at(104 * second)})));
  BOOST_TEST(!unchanged_since(
      before, listing_at(105 * second, {written_at(10 * second), written_at(10 * second, 8)})));
  BOOST_TEST(!unchanged_since(before, listing_at(105 * second, {})));
  // Written within the timestamp granularity before the last look: a second
  // write now could leave size and timestamps as they were.
  auto racy = listing_at(100 * second, {written_at(99 * second)});
  BOOST_TEST(!unchanged_since(racy, listing_at(105 * second, {written_at(99 * second)})));
  // A link is not vetted by the listing; an unreadable entry is reported by a plan.
  auto link = listing_at(100 * second, {std::nullopt});
  BOOST_TEST(!unchanged_since(link, listing_at(105 * second, {std::nullopt})));
  auto problem = listing_at(100 * second, {written_at(10 * second)});
  problem.problems.push_back({"stories/S-0002/story.md", "a FIFO"});
  BOOST_TEST(!unchanged_since(problem, problem));
}

BOOST_AUTO_TEST_SUITE_END()
