#include "runtime/config/config.hpp"

#include "runtime/config/config_schema.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/resources.hpp"
#include "runtime/util/yaml_document.hpp"
#include "runtime/util/yaml_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace sdlc {

namespace {

using config_schema::validate;

// ai-sdlc's own environment overrides.
const std::map<std::string, std::string> legacy_env = {
    {"AI_SDLC_ROOT", "sdlcFolder"},
    {"AI_SDLC_MAX_RETRIES", "reviewConfig.maxRetries"},
    {"AI_SDLC_IMPLEMENTATION_MAX_RETRIES", "implementation.maxRetries"},
    {"AI_SDLC_AUTO_COMPLETE", "reviewConfig.autoCompleteOnApproval"},
    {"AI_SDLC_AUTO_RESTART", "reviewConfig.autoRestartOnRejection"},
    {"AI_SDLC_LOG_LEVEL", "logging.level"},
};

constexpr const char* generic_env_prefix = "SDLC_CONFIG__";

std::string join_key(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// `user` without the keys the defaults do not know (said as warnings):
// the merged tree holds known keys only.
YAML::Node strip_unknown(const YAML::Node& user, const YAML::Node& defaults) {
  if (!user.IsMap() || !defaults.IsMap() || defaults.size() == 0) return user;
  YAML::Node out(YAML::NodeType::Map);
  for (auto it = user.begin(); it != user.end(); ++it) {
    const YAML::Node& d = defaults;
    auto def = d[it->first.Scalar()];
    if (!def.IsDefined()) continue;
    out[it->first] = def.IsMap() ? strip_unknown(it->second, def) : it->second;
  }
  return out;
}

// Deep-merges `over` into `base` (both already validated).
void merge_into(YAML::Node base, const YAML::Node& over) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    auto key = it->first.Scalar();
    if (it->second.IsMap() && base[key].IsMap())
      merge_into(base[key], it->second);
    else
      base[key] = YAML::Clone(it->second);
  }
}

YAML::Node defaults_tree() {
  return config_schema::defaults();
}

std::string normalise(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// SDLC_CONFIG__REVIEW_CONFIG__MAX_RETRIES -> reviewConfig.maxRetries
std::optional<std::string> env_name_to_key(const std::string& name, const YAML::Node& defaults) {
  std::string rest = name.substr(std::string(generic_env_prefix).size());
  std::string key;
  YAML::Node level = defaults;
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto sep = rest.find("__", start);
    auto part =
        normalise(rest.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (!level.IsMap()) return std::nullopt;
    std::optional<std::string> found;
    for (auto it = level.begin(); it != level.end(); ++it)
      if (normalise(it->first.Scalar()) == part) found = it->first.Scalar();
    if (!found) return std::nullopt;
    key = join_key(key, *found);
    const YAML::Node& current = level;
    level.reset(current[*found]); // reset, not assignment: that would rewrite `defaults`
    if (sep == std::string::npos) break;
    start = sep + 2;
  }
  return key;
}

// Builds {a: {b: value}} for "a.b".
YAML::Node nest(const std::string& dotted, const YAML::Node& value) {
  auto dot = dotted.find('.');
  YAML::Node out(YAML::NodeType::Map);
  if (dot == std::string::npos)
    out[dotted] = value;
  else
    out[dotted.substr(0, dot)] = nest(dotted.substr(dot + 1), value);
  return out;
}

std::optional<std::string> opt_string(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return n.Scalar();
}

bool is_under(const std::filesystem::path& path, const std::filesystem::path& dir) {
  auto rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

// worktree.basePath must not put worktrees over the project itself: cleanup
// and removals there would touch the project's own files.
void check_worktree_base(const config& cfg) {
  if (cfg.root.empty()) return;
  std::error_code ec;
  auto root = std::filesystem::weakly_canonical(std::filesystem::absolute(cfg.root), ec);
  std::filesystem::path base = cfg.worktree_base_path;
  base = std::filesystem::weakly_canonical(base.is_absolute() ? base : root / base, ec);
  std::string why;
  if (base == root)
    why = "is the project itself";
  else if (is_under(root, base))
    why = "is a folder above the project";
  else
    for (const auto& part : base)
      if (part == ".git") why = "is inside a .git folder";
  if (why.empty()) return;
  throw bad_input(fmt::format(
      "{}: 'worktree.basePath' {} ({}); worktrees need a folder of their own, e.g. `sdlc-actors "
      "config worktree.basePath .ai-sdlc/worktrees`",
      cfg.file.empty() ? std::string("config") : cfg.file.string(), why, base.string()));
}

// A channel without what it needs would drop every notification silently.
void derive_notification(config& cfg) {
  const auto& n = cfg.tree["notification"];
  auto& s = cfg.notification;
  s.enabled = n["enabled"].as<bool>();
  s.channels = n["channels"].as<std::vector<std::string>>();
  s.file_path = n["filePath"].as<std::string>();
  s.command = opt_string(n["command"]);
  s.webhook_url = opt_string(n["webhookUrl"]);
  s.timeout = std::chrono::milliseconds(n["timeoutMs"].as<long long>());
  s.events = n["events"].as<std::vector<std::string>>();
  const auto origin = cfg.file.empty() ? std::string("config") : cfg.file.string();
  if (s.enabled && s.uses("command") && (!s.command || s.command->empty()))
    throw bad_input(fmt::format("{}: 'notification.channels' has 'command' but "
                                "'notification.command' is not set; e.g. `sdlc-actors config "
                                "notification.command 'notify-send sdlc-actors'`",
                                origin));
  if (s.enabled && s.uses("webhook") && (!s.webhook_url || s.webhook_url->empty()))
    throw bad_input(fmt::format("{}: 'notification.channels' has 'webhook' but "
                                "'notification.webhookUrl' is not set; e.g. `sdlc-actors config "
                                "notification.webhookUrl https://hooks.slack.com/services/…`",
                                origin));
  if (s.webhook_url && s.webhook_url->rfind("http://", 0) != 0 &&
      s.webhook_url->rfind("https://", 0) != 0)
    throw bad_input(fmt::format("{}: 'notification.webhookUrl' must be an http:// or https:// URL",
                                origin)); // the URL itself may hold a secret: not repeated
}

void derive(config& cfg) {
  using ms = std::chrono::milliseconds;
  const auto& t = cfg.tree;
  cfg.sdlc_folder = t["sdlcFolder"].as<std::string>();
  if (cfg.sdlc_folder.empty() || cfg.sdlc_folder.find("..") != std::string::npos)
    throw bad_input(fmt::format("{}: 'sdlcFolder' must be a folder inside the project, found '{}'",
                                cfg.file.empty() ? std::string("config") : cfg.file.string(),
                                cfg.sdlc_folder));
  cfg.lock_timeout = std::chrono::milliseconds(t["locks"]["timeoutMs"].as<long long>());
  cfg.review_max_retries = std::min(t["reviewConfig"]["maxRetries"].as<int>(),
                                    t["reviewConfig"]["maxRetriesUpperBound"].as<int>());
  cfg.implementation_max_retries = std::min(t["implementation"]["maxRetries"].as<int>(),
                                            t["implementation"]["maxRetriesUpperBound"].as<int>());
  cfg.refinement_max_iterations = t["refinement"]["maxIterations"].as<int>();
  cfg.agent_timeout = std::chrono::milliseconds(t["timeouts"]["agentTimeout"].as<long long>());
  cfg.idle_timeout = std::chrono::milliseconds(t["timeouts"]["idleTimeout"].as<long long>());
  cfg.result_grace = std::chrono::milliseconds(t["timeouts"]["resultGrace"].as<long long>());
  cfg.build_timeout = std::chrono::milliseconds(t["timeouts"]["buildTimeout"].as<long long>());
  cfg.test_timeout = std::chrono::milliseconds(t["timeouts"]["testTimeout"].as<long long>());
  const auto agent = t["agent"];
  cfg.agent.command = opt_string(agent["command"]);
  cfg.agent.claude_path = agent["claudePath"].as<std::string>();
  cfg.agent.model = opt_string(agent["model"]);
  if (!cfg.agent.model) cfg.agent.model = opt_string(t["ai"]["model"]); // ai-sdlc's name for it
  cfg.ai_provider = t["ai"]["provider"].as<std::string>();
  if (auto turns = agent["maxTurns"]; turns.IsDefined() && !turns.IsNull())
    cfg.agent.max_turns = turns.as<long>();
  cfg.agent.allowed_tools = agent["allowedTools"].as<std::vector<std::string>>();
  cfg.agent.permission_mode = agent["permissionMode"].as<std::string>();
  cfg.agent.env.clear();
  for (auto it = agent["env"].begin(); it != agent["env"].end(); ++it)
    cfg.agent.env[it->first.Scalar()] = it->second.IsScalar() ? it->second.Scalar() : "";
  cfg.api_base_url = opt_string(t["api"]["baseUrl"]);
  cfg.test_command = opt_string(t["testCommand"]);
  cfg.build_command = opt_string(t["buildCommand"]);
  cfg.worktree_enabled = t["worktree"]["enabled"].as<bool>();
  cfg.worktree_base_path = t["worktree"]["basePath"].as<std::string>();
  cfg.default_labels = t["defaultLabels"].as<std::vector<std::string>>();
  const auto& wt = t["worktree"];
  cfg.worktrees = {wt["maxCount"].as<long>(), wt["maxAgeDays"].as<double>(),
                   wt["maxTotalSizeMb"].as<long>()};
  cfg.action_retries = t["retry"]["maxRetries"].as<int>();
  cfg.auto_create_pr = t["reviewConfig"]["autoCreatePROnApproval"].as<bool>();
  cfg.require_plan_approval = t["stageGates"]["requireApprovalBeforeImplementation"].as<bool>();
  cfg.auto_complete = t["reviewConfig"]["autoCompleteOnApproval"].as<bool>();
  cfg.require_pr_approval = t["stageGates"]["requireApprovalBeforePR"].as<bool>();
  const auto& m = t["merge"];
  cfg.merge.enabled = m["enabled"].as<bool>() || t["stageGates"]["autoMergeOnApproval"].as<bool>();
  cfg.merge.strategy = m["strategy"].as<std::string>();
  cfg.merge.batch_size = m["batchSize"].as<int>();
  cfg.merge.target = m["target"].as<std::string>();
  cfg.merge.remote = opt_string(m["remote"]);
  cfg.merge.delete_branch = m["deleteBranchAfterMerge"].as<bool>();
  cfg.merge.checks_timeout = ms(m["checksTimeout"].as<long long>());
  cfg.merge.checks_poll = ms(m["checksPollingInterval"].as<long long>());
  cfg.merge.require_all_checks = m["requireAllChecksPassing"].as<bool>();
  if (auto draft = t["github"]["createDraftPRs"]; draft.IsDefined() && !draft.IsNull())
    cfg.draft_prs = draft.as<bool>();
  cfg.auto_restart = t["reviewConfig"]["autoRestartOnRejection"].as<bool>();
  cfg.max_concurrent = t["limits"]["maxConcurrent"].as<int>();
  cfg.watch_every = std::chrono::milliseconds(t["daemon"]["pollingInterval"].as<long>());
  cfg.log_max_files = t["logging"]["maxFiles"].as<int>();
  cfg.keep_runs = t["report"]["keepRuns"].as<int>();
  cfg.log_max_bytes = t["logging"]["maxFileSizeMb"].as<std::uintmax_t>() << 20;
  const auto& epic = t["epic"];
  cfg.epic = {epic["maxConcurrent"].as<int>(), epic["keepWorktrees"].as<bool>(),
              epic["continueOnFailure"].as<bool>()};
  const auto policy = t["conflicts"]["policy"].as<std::string>();
  cfg.conflicts = policy == "warn"     ? conflict_policy::warn
                  : policy == "ignore" ? conflict_policy::ignore
                                       : conflict_policy::serialize;
  cfg.shutdown_grace = ms(t["shutdown"]["gracePeriod"].as<long long>());
  const auto& sup = t["supervision"];
  cfg.supervision = {sup["maxRestarts"].as<int>(), ms(sup["windowMs"].as<long long>()),
                     ms(sup["backoffMs"].as<long long>()), ms(sup["maxBackoffMs"].as<long long>())};
  const auto& r = t["remote"];
  cfg.remote = remote_config{};
  cfg.remote.url = opt_string(r["url"]).value_or("");
  cfg.remote.nodes = r["nodes"].as<std::vector<std::string>>();
  cfg.remote.token_file = opt_string(r["tokenFile"]).value_or("");
  cfg.remote.local = r["local"].as<bool>();
  cfg.remote.connection_timeout = ms(r["connectionTimeoutMs"].as<long long>());
  cfg.remote.tls_certificate = opt_string(r["tls"]["certificate"]).value_or("");
  cfg.remote.tls_key = opt_string(r["tls"]["key"]).value_or("");
  cfg.remote.tls_ca = opt_string(r["tls"]["ca"]).value_or("");
  derive_notification(cfg);
  check_worktree_base(cfg);
}

// A .json config must be JSON — nothing after the object, no YAML — since
// ai-sdlc reads the same file with JSON.parse. Its nodes keep their lines
// for error messages (yaml-cpp reads JSON as YAML's flow style).
YAML::Node read_json_config(const std::string& text, const std::string& origin) {
  try {
    auto j = nlohmann::ordered_json::parse(text);
    if (!j.is_object())
      throw bad_input(fmt::format("{}: the config must be an object of keys, found a JSON {}",
                                  origin, j.type_name()));
  } catch (const nlohmann::json::parse_error& e) {
    auto at = e.byte > 0 ? e.byte - 1 : 0;
    throw bad_input(fmt::format("{}:{}: cannot parse as JSON ({}); ai-sdlc and sdlc-actors read "
                                "this file as JSON",
                                origin, fs::line_of_offset(text, std::min(at, text.size())),
                                e.what()));
  }
  return yaml::load_bounded(text, origin);
}

} // namespace

void apply_config_overrides(config& cfg, const YAML::Node& overrides, const std::string& origin) {
  if (!overrides.IsDefined() || overrides.IsNull()) return;
  const auto defaults = defaults_tree();
  yaml::require_bounded(overrides, origin);
  validate(overrides, defaults, "", origin, &cfg.warnings);
  merge_into(cfg.tree, strip_unknown(overrides, defaults));
  derive(cfg);
}

YAML::Node lookup(const YAML::Node& tree, const std::string& dotted_key) {
  YAML::Node node = tree;
  std::size_t start = 0;
  while (true) {
    auto dot = dotted_key.find('.', start);
    auto part =
        dotted_key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& cnode = node;
    // A missing key gives an invalid node that must not be rebound to.
    auto child = cnode[part];
    if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(child);
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

namespace {
const char* config_names[] = {".ai-sdlc.json", ".ai-sdlc.yaml", ".ai-sdlc.yml"};
}

std::optional<std::filesystem::path> find_config_file(const std::filesystem::path& project_root) {
  for (auto name : config_names) {
    auto p = project_root / name;
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

config load_config(const std::filesystem::path& project_root, const env_map& env) {
  config cfg;
  cfg.root = project_root;
  const auto defaults = defaults_tree();
  cfg.tree = YAML::Clone(defaults);

  if (auto file = find_config_file(project_root)) {
    cfg.file = *file;
    for (auto name : config_names)
      if (auto other = project_root / name; other != *file && std::filesystem::exists(other))
        cfg.warnings.push_back(fmt::format(
            "{} and {} both exist; using {} (ai-sdlc reads only .ai-sdlc.json): merge them and "
            "remove {}",
            file->filename().string(), other.filename().string(), file->string(),
            other.filename().string()));
    auto origin = file->string();
    auto text = fs::read_file(*file, 4u << 20);
    if (auto bad = fs::find_invalid_utf8(text))
      throw bad_input(fmt::format("{}:{}: invalid UTF-8; save the file as UTF-8", origin,
                                  fs::line_of_offset(text, *bad)));
    YAML::Node user = file->extension() == ".json" ? read_json_config(text, origin)
                                                   : yaml::load_bounded(text, origin);
    if (user.IsDefined() && !user.IsNull()) {
      if (!user.IsMap())
        throw bad_input(fmt::format("{}: the config must be an object of keys, found {}", origin,
                                    yaml::kind_name(user)));
      validate(user, defaults, "", origin, &cfg.warnings);
      merge_into(cfg.tree, strip_unknown(user, defaults));
      cfg.not_acted_on = config_schema::not_acted_on_in(user);
    }
  }

  auto apply_env = [&](const std::string& var, const std::string& key, const std::string& text) {
    auto value =
        config_schema::value_from_text(key, text, fmt::format("environment variable {}", var));
    merge_into(cfg.tree, nest(key, value));
  };
  for (const auto& [var, key] : legacy_env)
    if (auto it = env.find(var); it != env.end()) apply_env(var, key, it->second);
  for (const auto& [var, text] : env) {
    if (var.rfind(generic_env_prefix, 0) != 0) continue;
    auto key = env_name_to_key(var, defaults);
    if (!key)
      throw bad_input(fmt::format("environment variable {} names no config key; use "
                                  "SDLC_CONFIG__<SECTION>__<KEY>, e.g. "
                                  "SDLC_CONFIG__REVIEW_CONFIG__MAX_RETRIES",
                                  var));
    apply_env(var, *key, text);
  }

  derive(cfg);
  return cfg;
}

namespace {

// Sets `key` in a JSON config, keeping the user's key order (ordered_json).
std::string set_in_json(const std::filesystem::path& file, bool exists, const std::string& key,
                        const YAML::Node& value) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  if (exists) {
    auto text = fs::read_file(file, 4u << 20);
    read_json_config(text, file.string()); // refuses what it would not load
    doc = nlohmann::ordered_json::parse(text);
  }
  nlohmann::ordered_json* at = &doc;
  std::size_t start = 0;
  while (true) {
    auto dot = key.find('.', start);
    auto part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      if (value.IsNull())
        at->erase(part);
      else
        (*at)[part] = yaml::to_json(value);
      break;
    }
    if (!(*at)[part].is_object()) (*at)[part] = nlohmann::ordered_json::object();
    at = &(*at)[part];
    start = dot + 1;
  }
  return doc.dump(2) + "\n";
}

std::string set_in_yaml(const std::filesystem::path& file, bool exists, const std::string& key,
                        const YAML::Node& value) {
  auto doc = exists ? yaml_document::parse(fs::read_file(file, 4u << 20), file.string())
                    : yaml_document::parse("", file.string());
  auto top = key.substr(0, key.find('.'));
  auto rest = key.find('.') == std::string::npos ? std::string() : key.substr(key.find('.') + 1);
  if (rest.empty()) {
    if (value.IsNull())
      doc.root().remove(top);
    else
      doc.root()[top] = value;
  } else {
    YAML::Node section =
        doc.root()[top].IsMap() ? YAML::Clone(doc.root()[top]) : YAML::Node(YAML::NodeType::Map);
    if (value.IsNull()) {
      // Unset: remove the leaf (YAML::Node assignment would rebind, hence reset).
      YAML::Node at = section;
      auto parts = rest;
      for (auto dot = parts.find('.'); dot != std::string::npos; dot = parts.find('.')) {
        YAML::Node next = at[parts.substr(0, dot)];
        if (!next.IsMap()) return doc.render();
        at.reset(next);
        parts = parts.substr(dot + 1);
      }
      at.remove(parts);
    } else {
      merge_into(section, nest(rest, value));
    }
    doc.root()[top] = section;
  }
  return doc.render();
}

} // namespace

std::filesystem::path set_config_value(const std::filesystem::path& project_root,
                                       const std::string& key,
                                       const std::optional<std::string>& value_text) {
  const auto defaults = defaults_tree();
  if (!lookup(defaults, key).IsDefined())
    throw bad_input(
        fmt::format("unknown config key '{}'; `sdlc-actors config` lists them all", key));
  // nullopt: back to the default (the key leaves the file).
  YAML::Node value(YAML::NodeType::Null);
  if (value_text)
    value = config_schema::value_from_text(key, *value_text, fmt::format("value for '{}'", key));

  auto file = find_config_file(project_root).value_or(project_root / ".ai-sdlc.json");
  bool exists = std::filesystem::exists(file);
  auto out = file.extension() == ".json" ? set_in_json(file, exists, key, value)
                                         : set_in_yaml(file, exists, key, value);
  // The result must load as a whole (types, ranges, derived settings such as
  // worktree.basePath) before it replaces the file.
  config check;
  check.root = project_root;
  check.file = file;
  check.tree = YAML::Clone(defaults);
  auto written = yaml::load_bounded(out, file.string());
  validate(written, defaults, "", file.string(), &check.warnings);
  merge_into(check.tree, strip_unknown(written, defaults));
  derive(check);
  fs::atomic_write(file, out);
  return file;
}

bool config::notification_settings::uses(const std::string& channel) const {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

} // namespace sdlc
