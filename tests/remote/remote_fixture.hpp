#pragma once
// A board whose stories run on `sdlc-actors node` processes: a bare
// repository as the shared remote (remote.url), a token file, nodes started
// on free loopback ports (or in network namespaces, by the caller).
#include "test_support.hpp"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace sdlc::test {

int free_port();

struct node_process {
  int pid = -1;
  int port = 0;
  std::string host = "127.0.0.1";
  stdfs::path workdir;
  stdfs::path out;
  std::string address() const { return host + ":" + std::to_string(port); }
};

struct remote_board {
  // `command_agent`: the test agent below, else the real Claude Code CLI.
  explicit remote_board(const stdfs::path& root, bool command_agent = true);
  ~remote_board();
  stdfs::path root, repo, remote, token;
  std::map<std::string, std::string> env; // NO_COLOR, RUN_MARKER
  std::string marker;
  std::deque<node_process> nodes; // stable references: start_node returns one

  // Starts `sdlc-actors node` and waits until it listens. `prefix` runs it
  // through another command (e.g. `ip netns exec ns1`).
  node_process& start_node(const std::string& name, int slots,
                           const std::vector<std::string>& prefix = {},
                           const std::string& host = "127.0.0.1", int port = 0,
                           const std::vector<std::string>& extra = {});
  void kill_node(node_process& n, int sig);
  // `sdlc-actors add` each title as a ready story and commit the board.
  void add_stories(int count);
  run_result sdlc(const std::vector<std::string>& args) const;
};

// A TCP client of 127.0.0.1:port whose reads give up after `patience`.
int connect_loopback(int port, std::chrono::seconds patience = std::chrono::seconds(20));

// A CA, and a certificate it signed for `name` (<dir>/<name>.crt/.key),
// made with the openssl CLI; tls_flags: --tls-cert/--tls-key/--tls-ca for it.
void make_ca(const stdfs::path& dir, const std::string& ca);
void make_cert(const stdfs::path& dir, const std::string& ca, const std::string& name);
std::vector<std::string> tls_flags(const stdfs::path& dir, const std::string& name);

// The command agent the remote tests use: each action a moment; implement
// writes <ID>.txt naming the directory it ran in; a marker file per start
// under $AGENT_MARKS (story-action-<workdir basename of the node>).
extern const char* remote_agent;

} // namespace sdlc::test
