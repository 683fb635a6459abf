#include "runtime/config/config.hpp"

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

extern char** environ;

namespace sdlc {

namespace {

// Maps whose keys are the user's own (not checked against the defaults).
const std::set<std::string> open_maps = {"agent.env"};

const std::map<std::string, std::vector<std::string>> allowed_values = {
    {"theme", {"auto", "light", "dark", "none"}},
    {"settingSources", {"user", "project", "local"}},
    {"refinement.escalateOnMaxAttempts", {"error", "manual", "skip"}},
    {"logging.level", {"debug", "info", "warn", "error"}},
    {"merge.strategy", {"squash", "merge", "rebase"}},
    {"agent.permissionMode", {"acceptEdits", "bypassPermissions", "default", "plan"}},
};

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

std::string where(const std::string& origin, const YAML::Node& node) {
  if (node.Mark().is_null()) return origin;
  return fmt::format("{}:{}", origin, node.Mark().line + 1);
}

std::string known_keys(const YAML::Node& defaults) {
  std::vector<std::string> keys;
  for (auto it = defaults.begin(); it != defaults.end(); ++it)
    keys.push_back(it->first.Scalar());
  return fmt::format("{}", fmt::join(keys, ", "));
}

void check_allowed(const YAML::Node& value, const std::string& key, const std::string& origin) {
  auto it = allowed_values.find(key);
  if (it == allowed_values.end()) return;
  auto check_one = [&](const YAML::Node& v) {
    if (std::find(it->second.begin(), it->second.end(), v.Scalar()) == it->second.end())
      throw bad_input(fmt::format("{}: '{}' must be one of {}, found '{}'", where(origin, v), key,
                                  fmt::join(it->second, ", "), v.Scalar()));
  };
  if (value.IsSequence())
    for (const auto& v : value)
      check_one(v);
  else if (value.IsScalar())
    check_one(value);
}

// Checks `value` against the default at the same key; throws on mismatch.
void validate(const YAML::Node& value, const YAML::Node& def, const std::string& key,
              const std::string& origin) {
  auto fail = [&](const std::string& expected) {
    throw bad_input(fmt::format("{}: '{}' must be {}, found {}", where(origin, value), key,
                                expected, yaml::kind_name(value)));
  };
  if (def.IsNull()) {
    if (!value.IsNull() && !value.IsScalar()) fail("a single value");
    return;
  }
  if (def.IsMap()) {
    if (!value.IsMap()) fail("a map");
    if (open_maps.count(key)) return;
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto child = it->first.Scalar();
      auto child_def = def[child];
      if (!child_def.IsDefined())
        throw bad_input(fmt::format("{}: unknown key '{}'; known keys here: {}",
                                    where(origin, it->first), join_key(key, child),
                                    known_keys(def)));
      validate(it->second, child_def, join_key(key, child), origin);
    }
    return;
  }
  if (def.IsSequence()) {
    if (!value.IsSequence()) fail("a list");
    for (const auto& item : value)
      if (!item.IsScalar())
        throw bad_input(fmt::format("{}: '{}' must be a list of single values, found {} in it",
                                    where(origin, item), key, yaml::kind_name(item)));
    check_allowed(value, key, origin);
    return;
  }
  if (yaml::is_bool(def)) {
    if (!yaml::is_bool(value)) fail("true or false");
  } else if (yaml::is_int(def)) {
    if (!yaml::is_int(value)) fail("a whole number");
    if (value.as<long long>() < 0) fail("zero or more");
  } else if (yaml::is_number(def)) {
    if (!yaml::is_number(value)) fail("a number");
  } else if (!yaml::is_string(value)) {
    fail("a string");
  }
  check_allowed(value, key, origin);
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
  auto text = resources::get("config/defaults.yaml");
  return YAML::Load(std::string(text));
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

YAML::Node parse_value(const std::string& text, const std::string& origin) {
  try {
    auto node = YAML::Load(text);
    return node.IsDefined() ? node : YAML::Node(YAML::NodeType::Null);
  } catch (const YAML::Exception& e) {
    throw bad_input(fmt::format("{}: cannot read the value '{}': {}", origin, text, e.msg));
  }
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

void derive(config& cfg) {
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
  if (auto turns = agent["maxTurns"]; turns.IsDefined() && !turns.IsNull())
    cfg.agent.max_turns = turns.as<long>();
  cfg.agent.allowed_tools = agent["allowedTools"].as<std::vector<std::string>>();
  cfg.agent.permission_mode = agent["permissionMode"].as<std::string>();
  for (auto it = agent["env"].begin(); it != agent["env"].end(); ++it)
    cfg.agent.env[it->first.Scalar()] = it->second.IsScalar() ? it->second.Scalar() : "";
  cfg.api_base_url = opt_string(t["api"]["baseUrl"]);
  cfg.test_command = opt_string(t["testCommand"]);
  cfg.build_command = opt_string(t["buildCommand"]);
  cfg.worktree_enabled = t["worktree"]["enabled"].as<bool>();
  cfg.worktree_base_path = t["worktree"]["basePath"].as<std::string>();
  cfg.default_labels = t["defaultLabels"].as<std::vector<std::string>>();
}

} // namespace

void apply_config_overrides(config& cfg, const YAML::Node& overrides, const std::string& origin) {
  if (!overrides.IsDefined() || overrides.IsNull()) return;
  const auto defaults = defaults_tree();
  validate(overrides, defaults, "", origin);
  merge_into(cfg.tree, overrides);
  derive(cfg);
}

env_map current_environment() {
  env_map env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
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

std::optional<std::filesystem::path> find_config_file(const std::filesystem::path& project_root) {
  for (auto name : {".ai-sdlc.json", ".ai-sdlc.yaml", ".ai-sdlc.yml"}) {
    auto p = project_root / name;
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

config load_config(const std::filesystem::path& project_root, const env_map& env) {
  config cfg;
  const auto defaults = defaults_tree();
  cfg.tree = YAML::Clone(defaults);

  if (auto file = find_config_file(project_root)) {
    cfg.file = *file;
    auto origin = file->string();
    auto text = fs::read_file(*file, 4u << 20);
    if (auto bad = fs::find_invalid_utf8(text))
      throw bad_input(fmt::format("{}:{}: invalid UTF-8; save the file as UTF-8", origin,
                                  fs::line_of_offset(text, *bad)));
    YAML::Node user;
    try {
      user = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw bad_input(fmt::format("{}:{}:{}: cannot parse: {}", origin, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
    }
    if (user.IsDefined() && !user.IsNull()) {
      if (!user.IsMap())
        throw bad_input(fmt::format("{}: the config must be an object of keys, found {}", origin,
                                    yaml::kind_name(user)));
      validate(user, defaults, "", origin);
      merge_into(cfg.tree, user);
    }
  }

  auto apply_env = [&](const std::string& var, const std::string& key, const std::string& text) {
    auto origin = fmt::format("environment variable {}", var);
    auto value = parse_value(text, origin);
    validate(value, lookup(defaults, key), key, origin);
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

std::filesystem::path set_config_value(const std::filesystem::path& project_root,
                                       const std::string& key, const std::string& value_text) {
  const auto defaults = defaults_tree();
  auto def = lookup(defaults, key);
  if (!def.IsDefined())
    throw bad_input(
        fmt::format("unknown config key '{}'; `sdlc-actors config` lists them all", key));
  auto value = parse_value(value_text, fmt::format("value for '{}'", key));
  validate(value, def, key, "command line");

  auto file = find_config_file(project_root).value_or(project_root / ".ai-sdlc.json");
  bool exists = std::filesystem::exists(file);
  std::string out;
  if (file.extension() == ".json") {
    // Keep the user's key order: nlohmann's ordered_json round-trips it.
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    if (exists) {
      try {
        doc = nlohmann::ordered_json::parse(fs::read_file(file, 4u << 20));
      } catch (const nlohmann::json::exception& e) {
        throw bad_input(fmt::format("{}: cannot parse: {}", file.string(), e.what()));
      }
    }
    nlohmann::ordered_json* at = &doc;
    std::size_t start = 0;
    while (true) {
      auto dot = key.find('.', start);
      auto part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*at)[part] = yaml::to_json(value);
        break;
      }
      at = &(*at)[part];
      start = dot + 1;
    }
    out = doc.dump(2) + "\n";
  } else {
    auto doc = exists ? yaml_document::parse(fs::read_file(file, 4u << 20), file.string())
                      : yaml_document::parse("", file.string());
    auto top = key.substr(0, key.find('.'));
    auto rest = key.find('.') == std::string::npos ? std::string() : key.substr(key.find('.') + 1);
    if (rest.empty()) {
      doc.root()[top] = value;
    } else {
      YAML::Node section =
          doc.root()[top].IsMap() ? YAML::Clone(doc.root()[top]) : YAML::Node(YAML::NodeType::Map);
      merge_into(section, nest(rest, value));
      doc.root()[top] = section;
    }
    out = doc.render();
  }
  // Validate the result as a whole before replacing the file.
  auto check = YAML::Load(out);
  validate(check, defaults, "", file.string());
  fs::atomic_write(file, out);
  return file;
}

} // namespace sdlc
