// runtime/git/remote_race: which failures of a push or fetch are races with
// another writer of the remote, and how often they are tried again.
#include "runtime/git/remote_race.hpp"

#include <boost/test/unit_test.hpp>
#include <git2/errors.h>

using namespace sdlc::git;

BOOST_AUTO_TEST_SUITE(remote_race_suite)

BOOST_AUTO_TEST_CASE(a_ref_that_vanished_or_is_locked_is_a_race) {
  // The local transport's ref listing, a ref deleted under it: a plain -1.
  BOOST_TEST(is_remote_race(GIT_ERROR, GIT_ERROR_REFERENCE,
                            "reference 'refs/sdlc/results/n/ai-sdlc/S-0002-x' not found"));
  BOOST_TEST(is_remote_race(GIT_ENOTFOUND, GIT_ERROR_REFERENCE, "reference 'refs/x' not found"));
  BOOST_TEST(is_remote_race(GIT_ELOCKED, GIT_ERROR_OS, "failed to create locked file 'x.lock'"));
}

BOOST_AUTO_TEST_CASE(a_missing_repository_or_a_refusal_is_not) {
  BOOST_TEST(!is_remote_race(GIT_ENOTFOUND, GIT_ERROR_REPOSITORY,
                             "could not find repository at '/no/such.git'")); // a wrong remote.url
  BOOST_TEST(!is_remote_race(GIT_ENOTFOUND, GIT_ERROR_OS, "path not found"));
  BOOST_TEST(!is_remote_race(GIT_ERROR, GIT_ERROR_NET, "failed to resolve address"));
  BOOST_TEST(!is_remote_race(GIT_EAUTH, GIT_ERROR_NET, "authentication required"));
  BOOST_TEST(!is_remote_race(GIT_EINVALIDSPEC, GIT_ERROR_REFERENCE,
                             "the given reference name 'refs/heads/a..b' is not valid"));
}

BOOST_AUTO_TEST_CASE(refusals_for_a_lock_or_a_vanished_folder_are_races) {
  // What libgit2's local transport and git's receive-pack say.
  BOOST_TEST(is_refused_by_race("failed to lock file '/r.git/refs/sdlc/x.lock' for writing: "));
  BOOST_TEST(is_refused_by_race("failed to create locked file '/r.git/refs/x.lock': File exists"));
  BOOST_TEST(is_refused_by_race(
      "failed to make directory '/r.git/refs/sdlc/results/n': No such file or directory"));
  BOOST_TEST(is_refused_by_race("Remote branch not found to delete")); // its folder went
  BOOST_TEST(is_refused_by_race("cannot lock ref 'refs/heads/x': is at 1234 but expected 5678"));
  BOOST_TEST(!is_refused_by_race("non-fast-forward"));
  BOOST_TEST(!is_refused_by_race("deny updating a hidden ref"));
  BOOST_TEST(!is_refused_by_race("protected branch hook declined"));
}

BOOST_AUTO_TEST_CASE(retries_back_off_then_stop) {
  BOOST_TEST(race_retry_delay(1).value().count() == 10);
  BOOST_TEST(race_retry_delay(2).value().count() == 20);
  BOOST_TEST(race_retry_delay(6).value().count() == 320);
  BOOST_TEST(!race_retry_delay(7).has_value());
  BOOST_TEST(!race_retry_delay(0).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
