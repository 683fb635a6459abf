#pragma once
// Every typed actor interface of sdlc-actors, in one place.
#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace sdlc {

// Runs one process (agent action or review check) to its end: streams its
// events to a listener, enforces the watchdog, kills its process group on
// every exit path, replies with the outcome.
using executor_actor = caf::typed_actor<
    caf::replies_to<agent_job>::with<agent_outcome>, caf::reacts_to<atoms::line, std::string, bool>,
    caf::reacts_to<atoms::started, int64_t>, caf::reacts_to<atoms::exited, int, int, bool>,
    caf::reacts_to<atoms::tick>, caf::reacts_to<atoms::shutdown>>;

// Drives one story's workflow loop for a run; reports story_event and, at the
// end, story_finished to its parent.
using story_actor = caf::typed_actor<caf::reacts_to<atoms::step>, caf::reacts_to<story_event>,
                                     caf::reacts_to<atoms::drain>, caf::reacts_to<atoms::shutdown>>;

// Runs story actors for the scheduler: monitors them, restarts one that dies
// abnormally from its checkpoint (exponential backoff, at most
// supervision.maxRestarts within supervision.windowMs), forwards their events.
using supervisor_actor =
    caf::typed_actor<caf::reacts_to<atoms::start, std::string>,
                     caf::reacts_to<atoms::restart, std::string>, caf::reacts_to<story_event>,
                     caf::reacts_to<story_finished>, caf::reacts_to<atoms::drain>,
                     caf::reacts_to<atoms::shutdown>>;

// Decides which stories run (scheduler_core) and starts them through the
// supervisor; tells the coordinator when the run is over.
using scheduler_actor =
    caf::typed_actor<caf::reacts_to<atoms::step>, caf::reacts_to<story_event>,
                     caf::reacts_to<story_finished>, caf::reacts_to<atoms::drain>,
                     caf::reacts_to<atoms::shutdown>, caf::reacts_to<atoms::scale, int>>;

// One API budget for every agent of the run (rate_limiter_core underneath):
// the gateway asks before each upstream attempt and reports how it went. On
// shutdown every waiting ask gets an error, so no gateway thread hangs.
using rate_limiter_actor =
    caf::typed_actor<caf::replies_to<permit_ask>::with<uint64_t>, caf::reacts_to<permit_wait>,
                     caf::reacts_to<permit_done>, caf::reacts_to<atoms::tick>,
                     caf::reacts_to<atoms::shutdown>>;

// Collects every event into the dashboard model and draws it.
using status_actor = caf::typed_actor<caf::reacts_to<story_event>, caf::reacts_to<atoms::render>,
                                      caf::replies_to<atoms::summary>::with<std::string>>;

// A worker machine (`sdlc-actors node`), published with CAF's middleman. A
// peer must send node_hello with the shared secret first; every other
// message from a peer that has not is refused. A job runs on the node's own
// executor in the node's worktree; its events go to `listener` (the story
// actor), its API permits come from `limiter` (the run's rate limiter).
// `forget` (remote url, branch): the story is done, its worktree here goes;
// true when there was one.
using node_actor =
    caf::typed_actor<caf::replies_to<node_hello>::with<node_info>,
                     caf::replies_to<atoms::info>::with<node_info>,
                     caf::replies_to<remote_job, caf::actor, caf::actor>::with<agent_outcome>,
                     caf::replies_to<atoms::forget, std::string, std::string>::with<bool>>;

} // namespace sdlc
