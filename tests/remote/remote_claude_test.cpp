#define BOOST_TEST_MODULE remote_claude
// Issue 7 end to end with the real Claude Code CLI against stub-api: stories
// run on two node processes (each with its own gateway) and their branches
// come back with the files the agent wrote; the run's one rate limiter caps
// in-flight requests across both nodes, and takes back the permit of a node
// killed with a call in flight. Then the same with each node in its
// own network namespace (root), so the actor connection and the nodes' API
// traffic cross a veth interface.
#include "runtime/story/story.hpp"

#include "remote_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <random>
#include <thread>
#include <unistd.h>

using namespace sdlc;
using json = nlohmann::json;
namespace stdfs = std::filesystem;

namespace {

std::string script(int stories) {
  std::string s = "latency_ms: 250\nactions:\n  review:\n    decisions: [APPROVED]\nstories:\n";
  for (int i = 1; i <= stories; ++i)
    s += fmt::format(
        "  S-{0:04d}:\n    implement:\n      writes:\n        - path: src/S-{0:04d}.txt\n"
        "          content: \"written for S-{0:04d}\\n\"\n",
        i);
  return s;
}

void require_claude() {
  BOOST_REQUIRE_MESSAGE(test::run({"/bin/sh", "-c", "command -v claude"}).exit_code == 0,
                        "the Claude Code CLI is not installed (tools/bootstrap installs it)");
}

void use_claude(test::remote_board& rb, const std::string& stub_url) {
  stdfs::create_directories(rb.root / "home");
  rb.env["HOME"] = (rb.root / "home").string();
  rb.env["ANTHROPIC_API_KEY"] = "sk-remote-" + std::to_string(std::random_device{}());
  BOOST_REQUIRE(rb.sdlc({"config", "api.baseUrl", stub_url}).exit_code == 0);
  BOOST_REQUIRE(rb.sdlc({"config", "api.limits.maxInFlight", "1"}).exit_code == 0);
}

void check_branches(test::remote_board& rb, int stories) {
  for (int i = 1; i <= stories; ++i) {
    auto id = fmt::format("S-{:04d}", i);
    auto s = story::load(rb.repo / ".ai-sdlc/stories" / id / "story.md");
    BOOST_TEST(s.str("status") == "done", id);
    auto file = test::git(rb.repo, {"show", s.str("branch") + ":src/" + id + ".txt"});
    BOOST_TEST(file == "written for " + id + "\n", id);
  }
}

// ip(8) as root; fails the test with the command's output.
void ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/sbin/ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = test::run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "ip " << args.front() << ": " << r.err);
}

// Two namespaces, each joined to this one by a veth pair on 10.231.<n>.0/24.
struct namespaces {
  std::vector<std::string> names;
  explicit namespaces(int n) {
    auto tag = std::to_string(::getpid() % 10000);
    for (int i = 1; i <= n; ++i) {
      auto ns = fmt::format("sdlc{}n{}", tag, i);
      auto host_if = fmt::format("vs{}h{}", tag, i), ns_if = fmt::format("vs{}n{}", tag, i);
      ip({"netns", "add", ns});
      names.push_back(ns);
      ip({"link", "add", host_if, "type", "veth", "peer", "name", ns_if});
      ip({"link", "set", ns_if, "netns", ns});
      ip({"addr", "add", fmt::format("10.231.{}.1/24", i), "dev", host_if});
      ip({"link", "set", host_if, "up"});
      ip({"netns", "exec", ns, "ip", "addr", "add", fmt::format("10.231.{}.2/24", i), "dev",
          ns_if});
      ip({"netns", "exec", ns, "ip", "link", "set", ns_if, "up"});
      ip({"netns", "exec", ns, "ip", "link", "set", "lo", "up"});
      ip({"netns", "exec", ns, "ip", "route", "add", "default", "via",
          fmt::format("10.231.{}.1", i)});
    }
  }
  ~namespaces() {
    for (const auto& ns : names) // deleting a namespace removes its veth pair too
      test::run({"/usr/sbin/ip", "netns", "delete", ns});
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(real_clis_on_two_nodes_share_one_limit_and_their_branches_come_back) {
  require_claude();
  test::temp_dir d;
  test::stub_api stub(script(4), d.path);
  test::remote_board rb(d.path, false);
  use_claude(rb, stub.url());
  rb.add_stories(4);
  auto& a = rb.start_node("nodeA", 2);
  auto& b = rb.start_node("nodeB", 2);
  auto r = rb.sdlc({"run", "--concurrent", "4", "--node", a.address(), "--node", b.address(),
                    "--no-local", "--token-file", rb.token.string()});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  check_branches(rb, 4);
  auto stats = json::parse(stub.stats());
  // Four CLIs on two machines, one limiter: never two requests at once.
  BOOST_TEST(stats["max_in_flight"].get<int>() == 1, stats.dump());
  BOOST_TEST(stats["requests"].get<int>() >= 16, stats.dump());
  // Both nodes' gateways carried traffic.
  BOOST_TEST(test::read(a.out).find("implement in") != std::string::npos);
  BOOST_TEST(test::read(b.out).find("implement in") != std::string::npos);
  BOOST_TEST(test::none_alive_with_env(rb.marker));
}

// A node killed while its API call holds the run's only permit
// (maxInFlight 1): the limiter sees the node's connection go and takes the
// permit back, or the story's retry on the other node would wait forever.
BOOST_AUTO_TEST_CASE(a_node_killed_with_a_call_in_flight_gives_its_permit_back) {
  require_claude();
  test::temp_dir d;
  test::stub_api stub(script(1) + "    research:\n      latency_ms: 4000\n", d.path);
  test::remote_board rb(d.path, false);
  use_claude(rb, stub.url());
  rb.add_stories(1);
  auto& a = rb.start_node("nodeA", 1);
  auto& b = rb.start_node("nodeB", 1);
  test::child_guard run(
      test::spawn_background({SDLC_BIN, "run", "--concurrent", "1", "--node", a.address(), "--node",
                              b.address(), "--no-local", "--token-file", rb.token.string()},
                             rb.repo, rb.env, d.path / "run.out"));
  // Which node runs research, once its (slow) API call is in flight.
  test::node_process* victim = nullptr;
  for (int i = 0; i < 600 && !victim; ++i) {
    for (auto* n : {&rb.nodes[0], &rb.nodes[1]})
      if (test::read(n->out).find("S-0001 research in") != std::string::npos &&
          json::parse(stub.stats())["in_flight"].get<int>() == 1)
        victim = n;
    if (!victim) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_REQUIRE_MESSAGE(victim, test::read(d.path / "run.out"));
  const auto name = victim == &rb.nodes[0] ? "nodeA" : "nodeB";
  const auto port = victim->port;
  const auto killed_out = victim->out;
  rb.kill_node(*victim, SIGKILL);
  // Back on its port at once. The CLI the killed instance left is stopped by
  // its guard or, if the new instance took the workdir's lock first, by that.
  auto& again = rb.start_node(name, 1, {}, "127.0.0.1", port);
  auto code = run.wait_for(std::chrono::seconds(120));
  auto out = test::read(d.path / "run.out");
  BOOST_REQUIRE_MESSAGE(code.has_value(),
                        "the run is stuck: the lost node's permit was not given back\n"
                            << out << "\nnodes:\n"
                            << test::read(rb.nodes[0].out) << test::read(rb.nodes[1].out)
                            << test::read(again.out) << "\nstub: " << stub.stats());
  BOOST_TEST(*code == 0, out);
  BOOST_TEST(out.find(" lost") != std::string::npos, out);
  check_branches(rb, 1);
  // Not the stub's max_in_flight: it keeps streaming the killed node's call
  // to a dead socket for its 4 s, and counts it beside the retry's.
  BOOST_TEST(json::parse(stub.stats())["requests"].get<int>() >= 2);
  const auto by_guard = test::read(killed_out), by_new_node = test::read(again.out);
  const auto stopped = [](const std::string& log) {
    return log.find("stopped agent process group") != std::string::npos;
  };
  BOOST_TEST(stopped(by_guard) != stopped(by_new_node), by_guard << "\n---\n" << by_new_node);
  BOOST_TEST(test::none_alive_with_env(rb.marker));
}

BOOST_AUTO_TEST_CASE(nodes_in_their_own_network_namespaces) {
  require_claude();
  BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "network namespaces need root (CI runs as root)");
  test::temp_dir d;
  namespaces ns(2);
  // The stand-in listens on the host's side of the first veth: every node's
  // API call leaves its namespace to reach it.
  test::stub_api stub(script(3), d.path, "10.231.1.1");
  test::remote_board rb(d.path, false);
  use_claude(rb, stub.url());
  rb.add_stories(3);
  // Off loopback a node takes TLS with certificates both ways, nothing less.
  test::make_ca(d.path, "ca");
  test::make_cert(d.path, "ca", "node");
  test::make_cert(d.path, "ca", "orchestrator");
  auto plain = rb.sdlc({"node", "--listen", "10.231.1.2:4243", "--workdir",
                        (d.path / "plain").string(), "--token-file", rb.token.string()});
  BOOST_TEST(plain.exit_code == 2);
  BOOST_TEST(plain.err.find("needs TLS") != std::string::npos, plain.err);
  auto tls = test::tls_flags(d.path, "node");
  auto& a = rb.start_node("nodeA", 2, {"/usr/sbin/ip", "netns", "exec", ns.names[0]}, "10.231.1.2",
                          4242, tls);
  auto& b = rb.start_node("nodeB", 1, {"/usr/sbin/ip", "netns", "exec", ns.names[1]}, "10.231.2.2",
                          4242, tls);
  // Not on loopback: the orchestrator reaches them only through the veths.
  auto probe = rb.sdlc({"nodes", "--node", "127.0.0.1:4242", "--token-file", rb.token.string()});
  BOOST_TEST(probe.exit_code == 1);
  std::vector<std::string> args = {"run",          "--concurrent",   "3",         "--node",
                                   a.address(),    "--node",         b.address(), "--no-local",
                                   "--token-file", rb.token.string()};
  for (const auto& f : test::tls_flags(d.path, "orchestrator"))
    args.push_back(f);
  auto r = rb.sdlc(args);
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  check_branches(rb, 3);
  BOOST_TEST(json::parse(stub.stats())["max_in_flight"].get<int>() == 1);
  BOOST_TEST(test::read(a.out).find("implement in") != std::string::npos);
  BOOST_TEST(test::read(b.out).find("implement in") != std::string::npos);
}
