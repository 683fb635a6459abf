// `node` (serve as a worker) and `nodes` (list them): parse and call.
#include "cli/commands.hpp"

#include "actors/node.hpp"
#include "actors/node_pool.hpp"
#include "actors/run_coordinator.hpp"
#include "runtime/config/config.hpp"
#include "runtime/console/json_output.hpp"
#include "runtime/remote/endpoint.hpp"
#include "runtime/remote/node_agents.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sdlc::cli {

int cmd_node(const node_cli_options& o) {
  auto ep = parse_endpoint(o.listen, "--listen");
  node_options no;
  no.host = ep.host;
  no.port = ep.port;
  no.workdir = std::filesystem::absolute(o.workdir);
  no.slots = o.slots;
  no.token = read_token_file(*o.token_file);
  no.tls = resolve_tls({o.tls_cert, o.tls_key, o.tls_ca});
  no.connection_timeout = std::chrono::milliseconds(o.connection_timeout_ms);
  return run_node(no, std::cout);
}

int cmd_node_guard(const std::string& workdir, long node_pid) {
  return guard_node(workdir, node_pid, std::cerr);
}

int cmd_nodes(const global_options& g, const std::vector<std::string>& nodes,
              const std::optional<std::filesystem::path>& token_file,
              const node_cli_options& tls_flags, bool json) {
  // The project's remote.* settings, when there is a project (a probe of
  // given nodes with a given token needs none).
  remote_config r;
  if (auto root = find_project_root(g.project_dir); find_config_file(root))
    r = load_project_config(root).remote;
  auto list = nodes.empty() ? r.nodes : nodes;
  std::filesystem::path tf = token_file.value_or(r.token_file);
  if (list.empty())
    throw bad_input("no nodes: pass --node host:port or set remote.nodes in the project's config");
  if (tf.empty())
    throw bad_input("the nodes' shared secret: --token-file FILE (or remote.tokenFile)");
  auto tls = resolve_tls({tls_flags.tls_cert, tls_flags.tls_key, tls_flags.tls_ca},
                         {r.tls_certificate, r.tls_key, r.tls_ca});
  auto probes = probe_nodes(list, read_token_file(tf), tls, r.connection_timeout);
  bool all_up = true;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : probes) {
    all_up &= p.info.has_value();
    if (json) {
      nlohmann::json j = {{"node", p.name}, {"reachable", p.info.has_value()}};
      if (p.info) {
        j["slots"] = p.info->slots;
        j["busy"] = p.info->busy;
        j["workdir"] = p.info->workdir;
        j["version"] = p.info->version;
      } else {
        j["problem"] = p.problem;
      }
      out.push_back(j);
    } else if (p.info) {
      std::cout << fmt::format("{:<22} up    {} of {} slots busy  workdir {}  (sdlc-actors {})\n",
                               p.name, p.info->busy, p.info->slots, p.info->workdir,
                               p.info->version);
    } else {
      std::cout << fmt::format("{:<22} DOWN  {}\n", p.name, p.problem);
    }
  }
  if (json) std::cout << json_output(out, without_json("nodes"));
  return all_up ? 0 : static_cast<int>(exit_code::failure);
}

} // namespace sdlc::cli
