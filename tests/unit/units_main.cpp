#define BOOST_TEST_MODULE units
// One executable for the small pure units, one file per concept (a link per
// file would cost CI minutes for nothing): outcome_builder, agent_problem,
// node_environment, dashboard_model, restart_policy, run_plan, unblock,
// redact, printable, basp_frames, review_decision, action_effects, watchdog,
// agent_command, lock_refresher, reusable_threads, story_session_lock,
// marked_processes.
#include <boost/test/unit_test.hpp>
