// runtime/schedule/run_shape: how many stories at once and whether each has a
// worktree, from our flags, ai-sdlc's (--epic, --max-concurrent,
// --no-worktree) and the config; what cannot be met is refused by name.
#include "runtime/schedule/run_shape.hpp"
#include "runtime/util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
std::string refusal(const run_shape_request& r, const config& cfg) {
  try {
    shape_run(r, cfg);
  } catch (const error& e) {
    return e.what();
  }
  return "";
}
} // namespace

BOOST_AUTO_TEST_SUITE(run_shape_suite)

BOOST_AUTO_TEST_CASE(one_at_a_time_in_the_checkout_unless_asked) {
  config cfg;
  auto s = shape_run({}, cfg);
  BOOST_TEST(s.concurrency == 1);
  BOOST_TEST(!s.use_worktree);
  run_shape_request wt;
  wt.worktree = true;
  BOOST_TEST(shape_run(wt, cfg).use_worktree);
  cfg.worktree_enabled = true;
  BOOST_TEST(shape_run({}, cfg).use_worktree);
  run_shape_request no;
  no.no_worktree = true;
  BOOST_TEST(!shape_run(no, cfg).use_worktree); // --no-worktree beats worktree.enabled
}

BOOST_AUTO_TEST_CASE(stories_at_once_or_on_nodes_always_have_worktrees) {
  config cfg;
  run_shape_request r;
  r.concurrent = 3;
  BOOST_TEST(shape_run(r, cfg).use_worktree);
  r.no_worktree = true;
  BOOST_TEST(refusal(r, cfg).find("--no-worktree: stories run at once") != std::string::npos);
  run_shape_request nodes;
  nodes.on_nodes = true;
  BOOST_TEST(shape_run(nodes, cfg).use_worktree);
  nodes.no_worktree = true;
  BOOST_TEST(refusal(nodes, cfg).find("worker nodes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_epic_takes_epic_settings_and_flags_win) {
  config cfg;
  cfg.epic = {4, true, false};
  run_shape_request r;
  r.epic = true;
  auto s = shape_run(r, cfg);
  BOOST_TEST(s.concurrency == 4);
  BOOST_TEST(s.keep_worktrees);
  BOOST_TEST(s.fail_fast); // continueOnFailure: false
  BOOST_TEST(s.use_worktree);
  r.max_concurrent = 2;
  BOOST_TEST(shape_run(r, cfg).concurrency == 2);
  r.concurrent = 1;
  BOOST_TEST(shape_run(r, cfg).concurrency == 1);
  run_shape_request plain;
  plain.keep_worktrees = false;
  BOOST_TEST(!shape_run(plain, cfg).keep_worktrees); // epic.* only for --epic
  BOOST_TEST(!shape_run(plain, cfg).fail_fast);
}

BOOST_AUTO_TEST_CASE(out_of_range_and_misplaced_flags_are_named) {
  config cfg;
  cfg.max_concurrent = 8;
  run_shape_request r;
  r.concurrent = 9;
  BOOST_TEST(refusal(r, cfg) == "--concurrent 9: use 1 to 8 (limits.maxConcurrent)");
  r.concurrent = 0;
  BOOST_TEST(refusal(r, cfg) == "--concurrent 0: use 1 to 8 (limits.maxConcurrent)");
  run_shape_request m;
  m.max_concurrent = 2;
  BOOST_TEST(refusal(m, cfg).find("--max-concurrent goes with --epic") != std::string::npos);
  m.epic = true;
  m.max_concurrent = 20;
  BOOST_TEST(refusal(m, cfg) == "--max-concurrent 20: use 1 to 8 (limits.maxConcurrent)");
}

BOOST_AUTO_TEST_SUITE_END()
