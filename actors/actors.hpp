#pragma once
// Every typed actor interface of sdlc-actors, in one place: who receives
// what. The messages are in actors/messages.hpp; docs/architecture.md has
// the table of who sends them.
#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/permit_ticket.hpp"

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace sdlc {

// An actor that takes these messages (tenzir's receiver_actor): the typed
// handle of a listener, whatever else it does.
template <class... Ts> using receiver_actor = caf::typed_actor<caf::reacts_to<Ts>...>;

// Where an executor reports an agent's events: its story actor (which logs
// them and checkpoints the pid) and the run's status display (which shows
// them) — two sends, not a relay through every actor in between.
using agent_listener_actor = receiver_actor<story_event, agent_progress, process_started>;

// What a story actor reports to its supervisor, and the supervisor on to
// the scheduler: the story's own events, what each action cost, its end.
using story_report_actor = receiver_actor<story_event, usage_report, story_finished>;

// Runs one process (agent action or review check) to its end: sends its
// events to its listeners, enforces the watchdog, kills its process group on
// every exit path, replies with the outcome.
using executor_actor =
    caf::typed_actor<caf::replies_to<agent_job>::with<agent_outcome>,
                     caf::reacts_to<atoms::line, std::string, bool>,
                     caf::reacts_to<atoms::exited, int, int, bool>, caf::reacts_to<atoms::tick>,
                     caf::reacts_to<atoms::shutdown>>;

// Drives one story's workflow loop for a run; reports to its supervisor.
using story_actor =
    caf::typed_actor<caf::reacts_to<atoms::step>, caf::reacts_to<story_event>,
                     caf::reacts_to<agent_progress>, caf::reacts_to<process_started>,
                     caf::reacts_to<atoms::drain>, caf::reacts_to<atoms::shutdown>>;

// Runs story actors for the scheduler: monitors them, restarts one that dies
// abnormally from its checkpoint (exponential backoff, at most
// supervision.maxRestarts within supervision.windowMs), passes their reports on.
using supervisor_actor =
    caf::typed_actor<caf::reacts_to<atoms::start, std::string>,
                     caf::reacts_to<atoms::restart, std::string>, caf::reacts_to<story_event>,
                     caf::reacts_to<usage_report>, caf::reacts_to<story_finished>,
                     caf::reacts_to<atoms::drain>, caf::reacts_to<atoms::shutdown>>;

// Whoever runs the run (run_coordinator's scoped actor): told when it is
// over, with the exit code.
using coordinator_actor = caf::typed_actor<caf::reacts_to<atoms::done, int>>;

// Decides which stories run (scheduler_core) and starts them through the
// supervisor it owns; tells the coordinator (atoms::done, exit code) when the
// run is over. The rate limiter scales it (concurrency_level). It polls the
// stories it holds for approval (atoms::poll, to itself) and, with run
// --watch, the board (atoms::watch, to itself).
using scheduler_actor =
    caf::typed_actor<caf::reacts_to<atoms::step>, caf::reacts_to<atoms::poll>,
                     caf::reacts_to<atoms::watch>, caf::reacts_to<story_event>,
                     caf::reacts_to<landing_event>, caf::reacts_to<usage_report>,
                     caf::reacts_to<story_finished>, caf::reacts_to<concurrency_level>,
                     caf::reacts_to<atoms::drain>, caf::reacts_to<atoms::shutdown>>;

// Where the landing lane reports what became of each story: the scheduler
// (which re-runs a story sent back) and the status (which shows it).
using landing_listener_actor = receiver_actor<landing_event>;
// The run's landing lane (merge.enabled, run --land), the one writer of the
// base branch: takes the stories the scheduler finished as done
// (atoms::land, id) and lands them batch by batch (runtime/land/
// landing_lane: merge, build and test, land or bisect), one batch per
// atoms::step it sends itself, so a shutdown is never queued behind the lane.
using merge_queue_actor =
    caf::typed_actor<caf::reacts_to<atoms::land, std::string>, caf::reacts_to<atoms::step>,
                     caf::reacts_to<atoms::shutdown>>;
// One API budget for every agent of the run (rate_limiter_core underneath):
// the gateway asks before each upstream attempt and reports how it went. On
// shutdown every waiting ask gets an error, so no gateway thread hangs.
using rate_limiter_actor =
    caf::typed_actor<caf::replies_to<permit_ask>::with<uint64_t>, caf::reacts_to<permit_wait>,
                     caf::reacts_to<permit_done>, caf::reacts_to<atoms::tick>,
                     caf::reacts_to<atoms::shutdown>>;

// Collects every event into the dashboard model and draws it.
// atoms::flush answers with what the notifier (below) answers, at once when
// the run notifies nobody.
using status_actor = caf::typed_actor<
    caf::reacts_to<story_event>, caf::reacts_to<agent_progress>, caf::reacts_to<process_started>,
    caf::reacts_to<usage_report>, caf::reacts_to<story_finished>, caf::reacts_to<story_waiting>,
    caf::reacts_to<landing_event>, caf::reacts_to<limiter_stats>, caf::reacts_to<concurrency_level>,
    caf::reacts_to<atoms::render>, caf::replies_to<atoms::summary>::with<std::string>,
    caf::replies_to<atoms::flush>::with<int>, caf::reacts_to<delivery_failed>>;
// Delivers the run's notifications (runtime/notify) on the channels that are
// not the terminal — a file, a command, a webhook — one at a time, in order.
// Detached: a webhook that hangs holds its own thread for its timeout, never
// one the run's actors need. atoms::flush answers, with the number of
// deliveries that failed, once everything sent before it is done; a failure
// is also told to the status (delivery_failed, the URL redacted).
using notifier_actor =
    caf::typed_actor<caf::reacts_to<notification>, caf::replies_to<atoms::flush>::with<int>>;

// Orchestrator -> node: run `job` in the story's worktree made from `sha` of
// `branch` (fetched from `repo_url`); after it, with `commit_after`, commit
// and push to the node's result ref. Agents' API calls go through the node's
// own gateway to `upstream`, with permits from `limiter`; the job's env names
// the orchestrator's gateway (`gateway_base`, `gateway_token`), which the
// node swaps for its own. Events go to `story` and `display`; the node stops
// the agent when `story` goes away.
struct remote_job {
  agent_job job;
  std::string repo_url;
  std::string branch;
  std::string sha;
  bool commit_after = false;
  std::string commit_message;
  std::string upstream;
  std::string gateway_base;
  std::string gateway_token;
  int64_t priority = 0;
  agent_listener_actor story;
  agent_listener_actor display;
  rate_limiter_actor limiter; // none: no shared limits
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, remote_job& x) {
  return f(caf::meta::type_name("sdlc::remote_job"), x.job, x.repo_url, x.branch, x.sha,
           x.commit_after, x.commit_message, x.upstream, x.gateway_base, x.gateway_token,
           x.priority, x.story, x.display, x.limiter);
}

// One job on a node: prepares the worktree, runs the node's own executor,
// commits and pushes; answers the orchestrator's story actor. Its executor
// reports to it (the pid is recorded on the node, the rest passed on to the
// story's log) and straight to the run's display.
using node_job_actor =
    caf::typed_actor<caf::replies_to<remote_job>::with<agent_outcome>, caf::reacts_to<story_event>,
                     caf::reacts_to<agent_progress>, caf::reacts_to<process_started>,
                     caf::reacts_to<atoms::shutdown>>;

// A worker machine (`sdlc-actors node`), behind its gatekeeper. A peer must
// send node_hello with the shared secret first; every other message from a
// peer that has not is refused. `forget` (remote url, branch): the story is
// done, its worktree here goes; true when there was one.
using node_actor =
    caf::typed_actor<caf::replies_to<node_hello>::with<node_info>,
                     caf::replies_to<atoms::info>::with<node_info>,
                     caf::replies_to<remote_job>::with<agent_outcome>,
                     caf::replies_to<atoms::forget, std::string, std::string>::with<bool>>;

} // namespace sdlc
