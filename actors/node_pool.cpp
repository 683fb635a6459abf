#include "actors/node_pool.hpp"

#include "actors/system_config.hpp"
#include "runtime/remote/endpoint.hpp"
#include "runtime/remote/stuck_connection.hpp"
#include "runtime/util/error.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <fmt/format.h>

#include <unistd.h>

namespace sdlc {

namespace {
std::string orchestrator_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{} pid {}", host, ::getpid());
}
constexpr auto retry_interval = std::chrono::seconds(3);

// The node's own words when it gave some (a refusal), else CAF's rendering.
std::string error_text(caf::actor_system& sys, const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.match_elements<std::string>()) return ctx.get_as<std::string>(0);
  return sys.render(e);
}
// middleman().remote_actor() waits for the handshake without a deadline: a
// peer that accepts the TCP connection and then says nothing (a frozen node,
// whose kernel still accepts) would hang the run or `nodes` for good. The same
// request, with the connection timeout as its deadline; a connection still
// stuck then is failed so that CAF lets go of it.
caf::expected<node_actor> connect(caf::actor_system& sys, caf::scoped_actor& self,
                                  const std::string& host, uint16_t port) {
  const auto& mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                             : sys.middleman().actor_handle();
  auto deadline = caf::get_or(sys.config(), "middleman.connection-timeout",
                              caf::timespan{default_connection_timeout});
  caf::expected<node_actor> out{caf::sec::request_timeout};
  self->request(mm, deadline, caf::connect_atom::value, host, port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& ifs) {
            if (!ptr)
              out = caf::make_error(caf::sec::no_actor_published_at_port, port);
            else if (!sys.assignable<node_actor>(ifs))
              out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
            else
              out = caf::actor_cast<node_actor>(std::move(ptr));
          },
          [&](caf::error& e) { out = std::move(e); });
  if (!out) {
    // Whatever gave up (our deadline, CAF's connection timeout), a socket CAF
    // still drives a handshake on would spin and block shutdown.
    shut_down_connections_to(host, port); // see stuck_connection.hpp
    if (out.error() == caf::sec::request_timeout)
      out = caf::make_error(
          caf::sec::connection_timeout,
          fmt::format("no answer within {} ms", deadline / std::chrono::milliseconds(1)));
  }
  return out;
}
} // namespace

std::pair<std::optional<node_info>, std::string> node_pool::hello(caf::actor_system& sys,
                                                                  const std::string& node,
                                                                  const std::string& token,
                                                                  node_actor* handle_out) {
  auto ep = parse_endpoint(node, "node");
  caf::scoped_actor self{sys};
  auto handle = connect(sys, self, ep.host, ep.port);
  if (!handle) return {std::nullopt, "unreachable: " + sys.render(handle.error())};
  std::optional<node_info> info;
  std::string problem;
  self->request(*handle, std::chrono::seconds(10), node_hello{token, orchestrator_name()})
      .receive([&](node_info& i) { info = std::move(i); },
               [&](caf::error& e) { problem = error_text(sys, e); });
  if (info && handle_out) *handle_out = *handle;
  return {info, problem};
}

node_pool::node_pool(caf::actor_system& sys, const std::vector<std::string>& nodes,
                     std::string token, int local_slots)
    : sys_(sys), token_(std::move(token)), local_slots_(local_slots) {
  for (const auto& n : nodes) {
    member m;
    m.name = parse_endpoint(n, "--node").text();
    auto [info, problem] = hello(sys_, m.name, token_, &m.handle);
    if (!info)
      throw bad_input(fmt::format("node {}: {}; start it with `sdlc-actors node --listen {} "
                                  "--token-file FILE` using the same token file as this run",
                                  m.name, problem, m.name));
    m.slots = info->slots;
    m.up = true;
    members_.push_back(std::move(m));
  }
}

void node_pool::retry_lost(std::unique_lock<std::mutex>& lock) {
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].up || now < members_[i].retry_at) continue;
    members_[i].retry_at = now + retry_interval;
    auto name = members_[i].name;
    lock.unlock(); // connecting takes a while; other stories go on meanwhile
    node_actor handle;
    auto [info, problem] = hello(sys_, name, token_, &handle);
    lock.lock();
    if (info) {
      members_[i].handle = handle;
      members_[i].slots = info->slots;
      members_[i].busy = 0;
      for (const auto& [story, where] : where_)
        if (where == static_cast<int>(i)) ++members_[i].busy;
      members_[i].up = true;
    }
  }
}

std::optional<placement> node_pool::acquire(const std::string& story) {
  std::unique_lock<std::mutex> lock(mu_);
  retry_lost(lock);
  if (auto it = where_.find(story); it != where_.end()) {
    if (it->second < 0) return placement{};
    const auto& m = members_[it->second];
    if (m.up) return placement{true, m.handle, m.name};
    where_.erase(it);
  }
  int best = -1;
  for (size_t i = 0; i < members_.size(); ++i) {
    const auto& m = members_[i];
    if (!m.up || m.busy >= m.slots) continue;
    if (best < 0 || m.slots - m.busy > members_[best].slots - members_[best].busy)
      best = static_cast<int>(i);
  }
  if (best >= 0) {
    ++members_[best].busy;
    where_[story] = best;
    return placement{true, members_[best].handle, members_[best].name};
  }
  if (local_busy_ < local_slots_) {
    ++local_busy_;
    where_[story] = -1;
    return placement{};
  }
  return std::nullopt;
}

void node_pool::release(const std::string& story) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = where_.find(story);
  if (it == where_.end()) return;
  if (it->second < 0)
    --local_busy_;
  else if (members_[it->second].busy > 0)
    --members_[it->second].busy;
  where_.erase(it);
}

void node_pool::lost(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& m : members_)
    if (m.name == node && m.up) {
      m.up = false;
      m.handle = node_actor{};
      m.retry_at = std::chrono::steady_clock::now() + retry_interval;
    }
}

int node_pool::capacity() {
  std::lock_guard<std::mutex> lock(mu_);
  int n = local_slots_;
  for (const auto& m : members_)
    if (m.up) n += m.slots;
  return n;
}

std::vector<node_actor> node_pool::up_handles() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<node_actor> out;
  for (const auto& m : members_)
    if (m.up) out.push_back(m.handle);
  return out;
}

std::vector<node_info> node_pool::nodes() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<node_info> out;
  for (const auto& m : members_)
    out.push_back(node_info{m.name, m.up ? m.slots : 0, m.busy, "", m.up ? "up" : "lost"});
  return out;
}

std::vector<node_probe> probe_nodes(const std::vector<std::string>& nodes, const std::string& token,
                                    const tls_files& tls,
                                    std::chrono::milliseconds connection_timeout) {
  system_config cfg(true, tls, connection_timeout);
  caf::actor_system sys{cfg};
  std::vector<node_probe> out;
  for (const auto& n : nodes) {
    node_probe p;
    p.name = parse_endpoint(n, "--node").text();
    auto [info, problem] = node_pool::hello(sys, p.name, token);
    p.info = info;
    p.problem = problem;
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace sdlc
