#pragma once
// Connects the gateway's blocking threads to the rate limiter actor: each
// permit is a message with a slot the calling thread waits on. close()
// must run before the actor system goes: it stops new asks, has the limiter
// answer every waiting one with an error, and waits for the threads inside.
#include "actors/actors.hpp"
#include "runtime/api/gateway.hpp"

#include <caf/fwd.hpp>

#include <map>
#include <memory>
#include <string>

namespace sdlc {

// What the gateway tells the limiter after a permitted request (also sent by
// a node's gateway over the network).
permit_done permit_done_of(uint64_t id, const permit_result& r, const rate_headers& h);

class permit_bridge {
public:
  // `priorities`: story id -> scheduling priority (lower first); others last.
  permit_bridge(rate_limiter_actor limiter, std::map<std::string, long> priorities);
  ~permit_bridge();
  gateway_permits permits();
  void close();

private:
  struct shared;
  std::shared_ptr<shared> s_;
};

} // namespace sdlc
