#pragma once
// Every atom of sdlc-actors, in one namespace so they never collide with CAF's
// own (tick_atom, get_atom, ...). At most 10 characters each (CAF 0.17).
#include <caf/atom.hpp>

namespace sdlc::atoms {

using line = caf::atom_constant<caf::atom("sdlcline")>;     // agent output line
using exited = caf::atom_constant<caf::atom("sdlcexit")>;   // agent process ended
using tick = caf::atom_constant<caf::atom("sdlctick")>;     // watchdog timer
using step = caf::atom_constant<caf::atom("sdlcstep")>;     // story: decide and run the next action
using shutdown = caf::atom_constant<caf::atom("sdlcshut")>; // stop now, kill agents
using drain =
    caf::atom_constant<caf::atom("sdlcdrain")>; // finish the current action, start nothing new
using start = caf::atom_constant<caf::atom("sdlcgo")>;       // supervisor: run this story
using restart = caf::atom_constant<caf::atom("sdlcrestrt")>; // supervisor: backoff elapsed
using done = caf::atom_constant<caf::atom("sdlcdone")>;      // scheduler -> coordinator: run over
using render = caf::atom_constant<caf::atom("sdlcdraw")>;    // status: redraw tick
using summary = caf::atom_constant<caf::atom("sdlcsum")>;    // status: final table
using info = caf::atom_constant<caf::atom("sdlcinfo")>;      // node: slots and load
using forget =
    caf::atom_constant<caf::atom("sdlcforget")>; // node: a story is done, drop its worktree

using poll = caf::atom_constant<caf::atom("sdlcpoll")>; // scheduler: look at held stories again
using land = caf::atom_constant<caf::atom("sdlcland")>; // merge queue: this story is done, land it
using flush = caf::atom_constant<caf::atom("sdlcflush")>; // notifier: answer once all is delivered
using watch =
    caf::atom_constant<caf::atom("sdlcwatch")>; // scheduler: run --watch looks at the board

} // namespace sdlc::atoms
