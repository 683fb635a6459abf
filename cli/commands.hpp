#pragma once
// One function per command; main.cpp parses the command line and calls them.
// Each returns the process exit code (see README: 0 ok, 1 failure, 2 bad input).
#include "actors/run_coordinator.hpp"
#include "runtime/remote/connection_timeout.hpp"
#include "runtime/story/board.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sdlc::cli {

struct global_options {
  std::filesystem::path project_dir = "."; // -C
};

// The project's board with its config (found upward from -C or the cwd).
// Config warnings go to stderr once.
board open_board(const global_options& g);
config load_project_config(const std::filesystem::path& root);
void say_config_warnings(const config& cfg);

int cmd_init(const global_options& g);

struct add_options {
  std::string title;
  std::string type = "feature";
  std::optional<long> priority;
  std::vector<std::string> labels;
  std::vector<std::string> depends_on;
  std::string status = "backlog";
  std::optional<std::filesystem::path> body_file;
  std::optional<std::filesystem::path> from_file; // ai-sdlc's add -f: title and body from a file
  bool json = false;
};
int cmd_add(const global_options& g, const add_options& o);

int cmd_status(const global_options& g, bool active_only, bool json, bool dot);
int cmd_details(const global_options& g, const std::string& id, bool json);
int cmd_unblock(const global_options& g, const std::string& id, bool reset_retries);
int cmd_approve(const global_options& g, const std::string& id);
int cmd_land(const global_options& g, const std::vector<std::string>& ids, bool dry_run, bool json);
int cmd_migrate(const global_options& g, bool dry_run, bool no_backup, bool force);
int cmd_feedback(const global_options& g, const std::string& id, const std::string& text);
// notify --test: one notification through every configured channel.
int cmd_notify(const global_options& g, const std::string& event, const std::string& story,
               bool json);
int cmd_config(const global_options& g, const std::optional<std::string>& key,
               const std::optional<std::string>& value, bool unset, bool check, bool json);

// `run`: the flags fill run_options directly; this checks what they ask for.
int cmd_run(const global_options& g, run_options o);
// A run's guard (hidden): stops what the run started once the run is gone.
int cmd_run_guard(const std::string& sdlc_dir, long run_pid);
int cmd_worktrees(const global_options& g, const std::string& verb, const std::string& id,
                  bool force, bool json);
int cmd_conflicts(const global_options& g, const std::vector<std::string>& ids, bool json);
int cmd_cleanup(const global_options& g, bool dry_run, bool force, bool json);
struct node_cli_options {
  std::string listen = "127.0.0.1:4242";
  std::filesystem::path workdir;
  int slots = 2;
  std::optional<std::filesystem::path> token_file;
  std::string tls_cert, tls_key, tls_ca;
  long connection_timeout_ms = default_connection_timeout.count();
};
int cmd_node(const node_cli_options& o);
// A node's guard (hidden): stops the node's agents once the node is gone.
int cmd_node_guard(const std::string& workdir, long node_pid);
// `nodes`: `tls` holds --tls-cert/--tls-key/--tls-ca (may be empty).
int cmd_nodes(const global_options& g, const std::vector<std::string>& nodes,
              const std::optional<std::filesystem::path>& token_file, const node_cli_options& tls,
              bool json);
// `logs`, with ai-sdlc's flags and meanings.
struct logs_options {
  std::string id;
  int lines = 50;                       // -n, --lines
  bool all = false;                     // --all: the whole file
  bool follow = false;                  // -t, --tail (and --follow)
  std::optional<std::string> timestamp; // -f, --file
};
int cmd_logs(const global_options& g, const logs_options& o);

// Past runs from their journals (.ai-sdlc/runs/).
int cmd_runs(const global_options& g, bool json);
// What a run did (default the last): makespan, critical path, waits by cause, cost.
int cmd_report(const global_options& g, const std::string& run_id, bool json,
               const std::string& html);

} // namespace sdlc::cli
