#pragma once
// `sdlc-actors node`: a worker machine. Publishes a node_actor on loopback
// behind a gatekeeper (runtime/remote/gatekeeper.hpp), accepts work only from
// peers that proved the shared secret, and runs each job (actors/node_job)
// with the same executor a local run uses, in a worktree made from the shared
// git remote (runtime/remote/node_workspace). Agents' API calls pass the
// node's own gateways (actors/node_gateways), whose permits come from the
// orchestrator's rate limiter over the actor connection.
#include "actors/system_config.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

namespace sdlc {

struct node_options {
  std::string host = "127.0.0.1";
  uint16_t port = 4242;
  std::filesystem::path workdir;
  int slots = 2;
  std::string token; // the shared secret (from --token-file)
  tls_files tls;     // --tls-cert/--tls-key/--tls-ca: TLS with certificates both ways
  std::chrono::milliseconds connection_timeout = default_connection_timeout;
};

// Serves until SIGINT/SIGTERM; running jobs are stopped (their agents'
// process groups killed) before it returns. Exit code.
int run_node(const node_options& o, std::ostream& out);

} // namespace sdlc
