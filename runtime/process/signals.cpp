#include "runtime/process/signals.hpp"

#include <pthread.h>

namespace sdlc {

sigset_t block_stop_signals(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals)
    sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

} // namespace sdlc
