#define BOOST_TEST_MODULE next_action
#include "runtime/workflow/next_action.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
struct row {
  const char* name;
  story_facts facts;
  workflow_limits limits;
  action_type expected;
};

story_facts f(const char* status, bool r = false, bool p = false, bool i = false, bool v = false,
              const char* last = "", int retries = 0, int refinements = 0) {
  story_facts x;
  x.status = status;
  x.research_complete = r;
  x.plan_complete = p;
  x.implementation_complete = i;
  x.reviews_complete = v;
  x.last_review_decision = last;
  x.retry_count = retries;
  x.refinement_count = refinements;
  return x;
}
} // namespace

BOOST_AUTO_TEST_CASE(every_branch) {
  workflow_limits dflt;
  workflow_limits pr;
  pr.create_pr = true;
  workflow_limits pr_gate = pr;
  pr_gate.require_pr_approval = true;
  auto pr_open = [](story_facts x) {
    x.has_pr = true;
    return x;
  };
  auto pr_ok = [](story_facts x) {
    x.pr_approved = true;
    return x;
  };
  workflow_limits gate;
  gate.require_plan_approval = true;
  workflow_limits ask_rework;
  ask_rework.auto_restart = false;
  workflow_limits ask_done;
  ask_done.auto_complete = false;
  auto rework_ok = [](story_facts x) {
    x.rework_approved = x.retry_count;
    return x;
  };
  auto accepted = [](story_facts x) {
    x.completion_approved = true;
    return x;
  };
  auto approved = [](story_facts x) {
    x.plan_approved = true;
    return x;
  };
  using A = action_type;
  const row table[] = {
      {"done", f("done", true, true, true, true), dflt, A::none},
      {"blocked", f("blocked"), dflt, A::none},
      {"backlog", f("backlog"), dflt, A::refine},
      {"backlog over refinement cap", f("backlog", false, false, false, false, "", 0, 3), dflt,
       A::block},
      {"ready", f("ready"), dflt, A::research},
      {"researched", f("ready", true), dflt, A::plan},
      {"planned", f("ready", true, true), dflt, A::implement},
      {"implemented", f("in-progress", true, true, true), dflt, A::review},
      {"rejected: implementation reset", f("in-progress", true, true, false, false, "REJECTED", 1),
       dflt, A::rework},
      {"reworked: review again", f("in-progress", true, true, true, false, "REJECTED", 1), dflt,
       A::review},
      {"rejected back to plan", f("in-progress", true, false, false, false, "REJECTED", 1), dflt,
       A::plan},
      {"last review after the final rework",
       f("in-progress", true, true, true, false, "REJECTED", 3), dflt, A::review},
      {"over the limit by hand", f("in-progress", true, true, true, false, "REJECTED", 4), dflt,
       A::block},
      {"approved", f("in-progress", true, true, true, true, "APPROVED"), dflt, A::move_to_done},
      {"gate: planned, not approved", f("ready", true, true), gate, A::await_approval},
      {"gate: approved", approved(f("ready", true, true)), gate, A::implement},
      {"gate: not yet planned", f("ready", true), gate, A::plan},
      {"gate: a rework is not gated again",
       f("in-progress", true, true, false, false, "REJECTED", 1), gate, A::rework},
      {"gate: implemented before the gate was on", f("in-progress", true, true, true), gate,
       A::review},
      {"approved with PRs", f("in-progress", true, true, true, true, "APPROVED"), pr, A::create_pr},
      {"approved, its PR open", pr_open(f("in-progress", true, true, true, true, "APPROVED")), pr,
       A::move_to_done},
      {"PR gate: waits", f("in-progress", true, true, true, true, "APPROVED"), pr_gate,
       A::await_approval},
      {"PR gate: approved", pr_ok(f("in-progress", true, true, true, true, "APPROVED")), pr_gate,
       A::create_pr},
      {"PR gate: PR open already", pr_open(f("in-progress", true, true, true, true, "APPROVED")),
       pr_gate, A::move_to_done},
      {"autoRestart off: rejected waits", f("in-progress", true, true, false, false, "REJECTED", 1),
       ask_rework, A::await_approval},
      {"autoRestart off: rework approved",
       rework_ok(f("in-progress", true, true, false, false, "REJECTED", 1)), ask_rework, A::rework},
      {"autoRestart off: rework approved, back to plan",
       rework_ok(f("in-progress", true, false, false, false, "REJECTED", 1)), ask_rework, A::plan},
      {"autoRestart off: reworked, review again",
       f("in-progress", true, true, true, false, "REJECTED", 1), ask_rework, A::review},
      {"autoComplete off: approved waits", f("in-progress", true, true, true, true, "APPROVED"),
       ask_done, A::await_approval},
      {"autoComplete off: accepted", accepted(f("in-progress", true, true, true, true, "APPROVED")),
       ask_done, A::move_to_done},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.name) {
      auto d = next_action(r.facts, r.limits);
      BOOST_TEST(to_string(d.action) == to_string(r.expected));
      BOOST_TEST(!d.reason.empty());
      BOOST_TEST(((d.action == A::await_approval) == (d.gate != approval_gate::none)));
    }
  }
}

BOOST_AUTO_TEST_CASE(names_round_trip) {
  for (int i = 0; i <= static_cast<int>(action_type::none); ++i) {
    auto a = static_cast<action_type>(i);
    BOOST_TEST((parse_action(to_string(a)) == a));
  }
  BOOST_TEST(!parse_action("deploy").has_value());
}
