#pragma once
// Every atom of sdlc-actors, in one namespace so they never collide with CAF's
// own (tick_atom, get_atom, ...). At most 10 characters each (CAF 0.17).
#include <caf/atom.hpp>

namespace sdlc::atoms {

using story_event = caf::atom_constant<caf::atom("sdlcevent")>;
using shutdown = caf::atom_constant<caf::atom("sdlcshut")>;

} // namespace sdlc::atoms
