#include "actors/node_gateways.hpp"

#include "actors/permit_bridge.hpp"

#include <caf/all.hpp>

#include <random>

namespace sdlc {

namespace {

// A gateway thread waiting for a permit from a limiter on another machine.
struct remote_permit_wait {
  permit_ask ask;
  std::shared_ptr<permit_ticket> ticket;
  rate_limiter_actor limiter;
};

} // namespace
} // namespace sdlc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sdlc::remote_permit_wait)

namespace sdlc {

namespace {

// Asks the run's limiter for each permit; the gateway thread waits on the
// ticket's slot. A ticket this actor (or a message to it) drops unanswered
// refuses: no gateway thread waits past the node.
caf::behavior permit_forwarder(caf::event_based_actor* self) {
  return {[=](remote_permit_wait& w) {
    auto ticket = w.ticket;
    self->request(w.limiter, std::chrono::minutes(30), std::move(w.ask))
        .then([=](uint64_t) { ticket->grant(); }, [=](caf::error&) { ticket->refuse(); });
  }};
}

} // namespace

node_gateways::node_gateways(caf::actor_system& sys) : forwarder_(sys.spawn(permit_forwarder)) {
  std::mt19937_64 rng{std::random_device{}()};
  id_tag_ = (0x8000ULL | (rng() & 0x7fffULL)) << 48;
}

node_gateways::~node_gateways() {
  stop();
}

void node_gateways::stop() {
  caf::anon_send_exit(forwarder_, caf::exit_reason::user_shutdown);
}

void node_gateways::job_started(const std::string& story, rate_limiter_actor limiter,
                                int64_t priority) {
  std::lock_guard<std::mutex> lock(mu_);
  limiter_of_[story] = {std::move(limiter), priority};
}

void node_gateways::job_ended(const std::string& story) {
  std::lock_guard<std::mutex> lock(mu_);
  limiter_of_.erase(story);
}

node_gateways::entry& node_gateways::gateway_for(const std::string& upstream) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& e = gateways_[upstream];
  if (e.gw) return e;
  gateway_options go;
  go.upstream = upstream;
  go.token = gateway::random_token();
  go.prices = std::make_shared<const price_table>(price_table::load({}));
  e.token = go.token;
  e.gw = std::make_unique<gateway>(go);
  e.gw->set_permits(permits_for_node());
  return e;
}

gateway_permits node_gateways::permits_for_node() {
  std::weak_ptr<node_gateways> weak = shared_from_this();
  gateway_permits p;
  p.acquire = [weak](const permit_request& r) {
    auto s = weak.lock();
    if (!s) return false;
    rate_limiter_actor limiter;
    int64_t prio = 0;
    {
      std::lock_guard<std::mutex> l(s->mu_);
      auto it = s->limiter_of_.find(r.story);
      if (it == s->limiter_of_.end() || !it->second.first) return true; // no shared limits
      limiter = it->second.first;
      prio = it->second.second;
    }
    auto slot = std::make_shared<permit_slot>();
    remote_permit_wait w{{s->id_tag_ | r.id, r.story, prio, r.input_estimate, r.output_estimate},
                         std::make_shared<permit_ticket>(slot),
                         limiter};
    caf::anon_send(s->forwarder_, std::move(w));
    if (slot->wait() != permit_slot::answer::granted) return false;
    std::lock_guard<std::mutex> l(s->mu_);
    s->granted_by_[r.id] = limiter;
    return true;
  };
  // The permit goes back to the limiter that granted it, even when the
  // story's job has ended meanwhile.
  p.release = [weak](uint64_t id, const permit_result& r, const rate_headers& h) {
    auto s = weak.lock();
    if (!s) return;
    rate_limiter_actor limiter;
    {
      std::lock_guard<std::mutex> l(s->mu_);
      auto it = s->granted_by_.find(id);
      if (it == s->granted_by_.end()) return; // granted without shared limits
      limiter = std::move(it->second);
      s->granted_by_.erase(it);
    }
    caf::anon_send(limiter, permit_done_of(s->id_tag_ | id, r, h));
  };
  return p;
}

} // namespace sdlc
