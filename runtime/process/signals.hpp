#pragma once
// Stop signals go to one thread that waits for them (sigwait); every other
// thread — CAF's, the gateway's, the process readers' — is started after
// they are blocked and inherits the mask, so no signal lands at random.
#include <csignal>
#include <initializer_list>

namespace sdlc {

// Blocks `signals` in the calling thread (and every thread it starts later);
// the set, for sigwait.
sigset_t block_stop_signals(std::initializer_list<int> signals);

} // namespace sdlc
