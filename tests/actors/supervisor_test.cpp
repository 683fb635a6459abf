#define BOOST_TEST_MODULE supervisor
// The story supervisor on CAF's virtual time (the testing scheduler): a child
// that crashes is restarted after an exponentially growing delay; past
// supervision.maxRestarts within the window the story fails with the reason;
// a child that finishes is not restarted; a drain reaches a child mid-restart.
#include "actors/story_supervisor.hpp"
#include "actors/system_config.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <boost/test/unit_test.hpp>

#include <optional>

using namespace sdlc;
using namespace std::chrono_literals;

namespace {

struct fixture {
  system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  int spawned = 0;
  std::vector<int> incarnations;
  std::vector<caf::actor_addr> children; // weak: they must not keep a child alive
  bool finish_on_step = false;           // the child reports done instead of crashing

  fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
  ~fixture() {
    sched->run();
    while (sched->trigger_timeouts())
      sched->run();
  }

  story_factory factory() {
    return [this](story_report_actor parent, const std::string& id,
                  int incarnation) -> story_actor {
      ++spawned;
      incarnations.push_back(incarnation);
      bool finish = finish_on_step;
      auto child =
          sys->spawn([parent, id, finish](story_actor::pointer self) -> story_actor::behavior_type {
            return {
                [=](atoms::step) {
                  if (finish) {
                    caf::anon_send(parent, story_finished{id, story_result::done, "", 0});
                    self->quit();
                  } else {
                    self->quit(caf::make_error(caf::sec::runtime_error, "boom"));
                  }
                },
                [=](story_event&) {},
                [=](agent_progress&) {},
                [=](process_started&) {},
                [=](atoms::drain) {
                  caf::anon_send(parent, story_finished{id, story_result::interrupted, "", 0});
                  self->quit();
                },
                [=](atoms::shutdown) { self->quit(); },
            };
          });
      children.push_back(child.address());
      return child;
    };
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(crashes_restart_with_backoff_then_fail, fixture) {
  caf::scoped_actor probe{*sys};
  restart_policy p;
  p.max_restarts = 3;
  p.window = 60s;
  p.backoff = 1s;
  p.max_backoff = 30s;
  auto sup = spawn_story_supervisor(*sys, caf::actor_cast<story_report_actor>(probe), factory(), p);
  caf::anon_send(sup, atoms::start::value, std::string("S-0001"));
  sched->run();
  BOOST_TEST(spawned == 1);
  // Restart 1 after 1 s, restart 2 after 2 s more, restart 3 after 4 s more.
  for (auto [wait, expected] : std::vector<std::pair<std::chrono::milliseconds, int>>{
           {999ms, 1}, {1ms, 2}, {1999ms, 2}, {1ms, 3}, {3999ms, 3}, {1ms, 4}}) {
    sched->advance_time(wait);
    sched->run();
    BOOST_TEST(spawned == expected, "after advancing " << wait.count() << " ms");
  }
  BOOST_TEST(incarnations == (std::vector<int>{0, 1, 2, 3}));
  // The fourth crash is one too many: no restart, the story fails with the reason.
  sched->advance_time(60s);
  sched->run();
  BOOST_TEST(spawned == 4);
  std::vector<event_kind> restarting;
  std::optional<story_finished> finished;
  bool more = true;
  while (more)
    probe->receive([&](story_event& e) { restarting.push_back(e.kind); }, [&](usage_report&) {},
                   [&](story_finished& f) { finished = f; },
                   caf::after(0s) >> [&] { more = false; });
  BOOST_TEST(restarting.size() == 3u);
  for (auto k : restarting)
    BOOST_TEST(k == event_kind::restarting);
  BOOST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->result == story_result::failed);
  BOOST_TEST(finished->detail.find("supervision.maxRestarts = 3") != std::string::npos);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(a_finished_story_is_not_restarted, fixture) {
  finish_on_step = true;
  caf::scoped_actor probe{*sys};
  auto sup =
      spawn_story_supervisor(*sys, caf::actor_cast<story_report_actor>(probe), factory(), {});
  caf::anon_send(sup, atoms::start::value, std::string("S-0002"));
  sched->run();
  sched->advance_time(120s);
  sched->run();
  BOOST_TEST(spawned == 1);
  std::optional<story_finished> finished;
  probe->receive([&](story_finished& f) { finished = f; }, caf::after(0s) >> [] {});
  BOOST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->result == story_result::done);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

// A detached actor's thread (CAF 0.17) ends only when its last strong handle
// goes: a supervisor holding its ended children kept one thread per story
// ever run (a 10,000-story run had thousands). Ended children are let go.
BOOST_FIXTURE_TEST_CASE(ended_children_are_let_go, fixture) {
  finish_on_step = true;
  caf::scoped_actor probe{*sys};
  auto sup =
      spawn_story_supervisor(*sys, caf::actor_cast<story_report_actor>(probe), factory(), {});
  for (int i = 0; i < 20; ++i)
    caf::anon_send(sup, atoms::start::value, "S-" + std::to_string(100 + i));
  sched->run();
  BOOST_REQUIRE(children.size() == 20u);
  int alive = 0;
  for (const auto& c : children)
    alive += caf::actor_cast<caf::actor>(c) != nullptr;
  BOOST_TEST(alive == 0);
  int finished = 0;
  bool more = true;
  while (more)
    probe->receive([&](story_finished&) { ++finished; }, caf::after(0s) >> [&] { more = false; });
  BOOST_TEST(finished == 20);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(drain_during_a_pending_restart_ends_the_story, fixture) {
  caf::scoped_actor probe{*sys};
  auto sup =
      spawn_story_supervisor(*sys, caf::actor_cast<story_report_actor>(probe), factory(), {});
  caf::anon_send(sup, atoms::start::value, std::string("S-0003"));
  sched->run(); // crashed; a restart is pending
  caf::anon_send(sup, atoms::drain::value);
  sched->run();
  sched->advance_time(120s);
  sched->run();
  BOOST_TEST(spawned == 1); // never restarted
  std::optional<story_finished> finished;
  bool more = true;
  while (more)
    probe->receive([&](story_event&) {}, [&](story_finished& f) { finished = f; },
                   caf::after(0s) >> [&] { more = false; });
  BOOST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->result == story_result::interrupted);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}
