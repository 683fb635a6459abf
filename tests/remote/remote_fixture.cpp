#include "remote_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace sdlc::test {

using namespace std::chrono_literals;

const char* remote_agent = R"sh(#!/bin/sh
node=$(echo "$PWD" | sed -n 's|.*/\(node[A-Za-z0-9]*\)/worktrees/.*|\1|p')
[ -n "$AGENT_MARKS" ] && touch "$AGENT_MARKS/$SDLC_STORY_ID-$SDLC_ACTION-${node:-local}"
case "$SDLC_ACTION" in
  implement|rework) sleep "${IMPLEMENT_SECONDS:-0.3}"; echo "$SDLC_STORY_ID from $PWD" > "$SDLC_STORY_ID.txt"; echo implemented;;
  review) sleep 0.2; printf '```json\n{"passed": true, "issues": []}\n```\n';;
  *) sleep 0.2; echo "notes for $SDLC_ACTION";;
esac
)sh";

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int connect_loopback(int port, std::chrono::seconds patience) {
  int c = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<uint16_t>(port));
  BOOST_REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  timeval t{static_cast<time_t>(patience.count()), 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  return c;
}

remote_board::remote_board(const stdfs::path& r, bool command_agent) : root(r) {
  repo = root / "repo";
  remote = root / "remote.git";
  token = root / "token";
  marker = fmt::format("remote{}", std::random_device{}());
  env = {{"NO_COLOR", "1"}, {"RUN_MARKER", marker}, {"AGENT_MARKS", (root / "marks").string()}};
  stdfs::create_directories(root / "marks");
  if (command_agent) {
    make_command_agent_board(repo, root / "agent.sh", remote_agent, env);
  } else {
    make_git_repo(repo);
    BOOST_REQUIRE(sdlc({"init"}).exit_code == 0);
  }
  git(root, {"init", "-q", "--bare", remote.string()});
  write(token, "0123456789abcdef-remote-test-secret\n");
  BOOST_REQUIRE(sdlc({"config", "remote.url", remote.string()}).exit_code == 0);
}

remote_board::~remote_board() {
  for (auto& n : nodes)
    if (n.pid > 0) kill_and_let_its_guard_finish(n.pid);
}

node_process& remote_board::start_node(const std::string& name, int slots,
                                       const std::vector<std::string>& prefix,
                                       const std::string& host, int port,
                                       const std::vector<std::string>& extra) {
  node_process n;
  n.host = host;
  n.port = port ? port : free_port();
  n.workdir = root / name;
  n.out = root / (name + ".out");
  std::vector<std::string> argv = prefix;
  for (const auto& a : std::vector<std::string>{
           SDLC_BIN, "node", "--listen", n.address(), "--workdir", n.workdir.string(), "--slots",
           std::to_string(slots), "--token-file", token.string()})
    argv.push_back(a);
  argv.insert(argv.end(), extra.begin(), extra.end());
  // Appends: a node started again keeps what the first one said.
  auto out = n.out;
  if (stdfs::exists(out)) out = root / (name + ".again.out");
  n.out = out;
  // Not the run's marker: the check for leftover processes looks for agents
  // (whose environment the orchestrator composes), not for the nodes.
  auto node_env = env;
  node_env.erase("RUN_MARKER");
  n.pid = spawn_background(argv, root, node_env, out);
  for (int i = 0; i < 200; ++i) {
    if (stdfs::exists(out) && read(out).find("listening") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  BOOST_REQUIRE_MESSAGE(read(out).find("listening") != std::string::npos, read(out));
  nodes.push_back(n);
  return nodes.back();
}

void remote_board::kill_node(node_process& n, int sig) {
  ::kill(n.pid, sig);
  wait_exit(n.pid);
  n.pid = -1;
}

void remote_board::add_stories(int count) {
  for (int i = 1; i <= count; ++i)
    BOOST_REQUIRE(sdlc({"add", fmt::format("Remote story {}", i), "--status", "ready"}).exit_code ==
                  0);
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "board"});
}

run_result remote_board::sdlc(const std::vector<std::string>& args) const {
  return test::sdlc(repo, args, env);
}

// A CA and a certificate it signed, made with the openssl CLI.
void make_ca(const stdfs::path& dir, const std::string& ca) {
  auto r = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                (dir / (ca + ".key")).string(), "-subj", "/CN=" + ca, "-days", "2", "-out",
                (dir / (ca + ".crt")).string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}
void make_cert(const stdfs::path& dir, const std::string& ca, const std::string& name) {
  auto key = (dir / (name + ".key")).string(), csr = (dir / (name + ".csr")).string();
  auto r = run({"/usr/bin/openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-subj", "/CN=" + name, "-out", csr});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", (dir / (ca + ".crt")).string(),
           "-CAkey", (dir / (ca + ".key")).string(), "-CAcreateserial", "-days", "2", "-out",
           (dir / (name + ".crt")).string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}
std::vector<std::string> tls_flags(const stdfs::path& dir, const std::string& name) {
  return {"--tls-cert", (dir / (name + ".crt")).string(),
          "--tls-key",  (dir / (name + ".key")).string(),
          "--tls-ca",   (dir / "ca.crt").string()};
}

} // namespace sdlc::test
