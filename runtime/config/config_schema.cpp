#include "runtime/config/config_schema.hpp"

#include "runtime/notify/notification.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/resources.hpp"
#include "runtime/util/yaml_document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

namespace sdlc::config_schema {

namespace {

// Maps whose keys are the user's own (not checked against the defaults).
const std::set<std::string> open_maps = {"agent.env"};

// ai-sdlc structures sdlc-actors keeps for ai-sdlc and never reads: any value.
const std::set<std::string> free_form = {"groupings", "projects", "planReview",
                                         "ticketing.github.statusLabels"};

// ai-sdlc's settings that sdlc-actors reads the file for but does not act on
// (docs/migrating-from-ai-sdlc.md says what each means there).
const std::set<std::string> not_acted_on = {
    "theme", "installCommand", "startCommand", "lintCommand", "verifyCommand", "settingSources",
    "useOrchestrator", "groupings", "projects", "planReview", "refinement.escalateOnMaxAttempts",
    "refinement.enableCircuitBreaker", "reviewConfig.detectTestAntipatterns", "retry.initialDelay",
    "retry.maxDelay", "retry.maxTotalDuration", "tdd", "ticketing", "costLimits",
    // run --watch uses daemon.pollingInterval only: it looks at the board, so
    // there are no patterns to watch, no debounce, and Ctrl-C is how it stops.
    "daemon.enabled", "daemon.watchPatterns", "daemon.processDelay", "daemon.shutdownTimeout",
    "daemon.enableEscShutdown", "daemon.escTimeout",
    "logging.enabled", // story logs are how a run is followed and resumed: always written
    "logging.level",   // story logs hold every decision and agent event
};

const std::map<std::string, std::vector<std::string>> allowed_values = {
    {"theme", {"auto", "light", "dark", "none"}},
    {"settingSources", {"user", "project", "local"}},
    {"refinement.escalateOnMaxAttempts", {"error", "manual", "skip"}},
    {"logging.level", {"debug", "info", "warn", "error"}},
    {"merge.strategy", {"squash", "merge", "rebase"}},
    {"merge.target", {"auto", "local", "github"}},
    {"agent.permissionMode", {"acceptEdits", "bypassPermissions", "default", "plan"}},
    {"conflicts.policy", {"serialize", "warn", "ignore"}},
    {"ticketing.provider", {"none", "github", "jira"}},
    {"notification.channels", {"console", "file", "command", "webhook"}},
    // The kinds runtime/notify sends, named as it names them.
    {"notification.events", notification_kind_names()},
};

enum class kind { string, whole, number, boolean };

// Keys whose default is null: what they hold when set.
const std::map<std::string, kind> nullable_kinds = {
    {"testCommand", kind::string},
    {"buildCommand", kind::string},
    {"github.createDraftPRs", kind::boolean},
    {"agent.command", kind::string},
    {"agent.model", kind::string},
    {"agent.maxTurns", kind::whole},
    {"api.baseUrl", kind::string},
    {"limits.maxCostUsd.story", kind::number},
    {"limits.maxCostUsd.run", kind::number},
    {"remote.url", kind::string},
    {"notification.command", kind::string},
    {"notification.webhookUrl", kind::string},
    {"merge.remote", kind::string},
    {"remote.tokenFile", kind::string},
    {"remote.tls.certificate", kind::string},
    {"remote.tls.key", kind::string},
    {"remote.tls.ca", kind::string},
};

struct range {
  double min, max;
  const char* unit; // "" or " ms", " MB", ...
  const char* note = nullptr;
};
constexpr double ms_week = 7.0 * 24 * 3600 * 1000;
constexpr double ms_day = 24.0 * 3600 * 1000;

// Numeric keys' ranges. A whole number not listed: 0 to 2^31-1.
const std::map<std::string, range> ranges = {
    {"reviewConfig.maxRetries", {0, 100, ""}},
    {"reviewConfig.maxRetriesUpperBound", {0, 100, ""}},
    {"implementation.maxRetries", {0, 100, ""}},
    {"implementation.maxRetriesUpperBound", {0, 100, ""}},
    {"refinement.maxIterations", {1, 100, ""}},
    {"timeouts.agentTimeout", {0, ms_week, " ms", "0: no limit"}},
    {"timeouts.idleTimeout", {0, ms_week, " ms", "0: no limit"}},
    {"timeouts.resultGrace", {0, 3600000, " ms"}},
    {"timeouts.buildTimeout", {1000, ms_day, " ms"}},
    {"timeouts.testTimeout", {1000, ms_day, " ms"}},
    {"retry.maxRetries", {0, 100, ""}},
    {"retry.initialDelay", {0, 3600000, " ms"}},
    {"retry.maxDelay", {0, 3600000, " ms"}},
    {"retry.maxTotalDuration", {0, ms_day, " ms"}},
    {"daemon.pollingInterval", {100, 3600000, " ms"}},
    {"daemon.processDelay", {0, 3600000, " ms"}},
    {"daemon.shutdownTimeout", {0, 3600000, " ms"}},
    {"daemon.escTimeout", {0, 60000, " ms"}},
    {"tdd.maxCycles", {1, 1000, ""}},
    {"worktree.maxCount", {0, 10000, "", "0: no limit"}},
    {"worktree.maxAgeDays", {0, 36500, " days", "0: no limit"}},
    {"worktree.maxTotalSizeMb", {0, 1e8, " MB", "0: no limit"}},
    {"logging.maxFileSizeMb", {1, 10240, " MB"}},
    {"logging.maxFiles", {1, 1000, ""}},
    {"report.keepRuns", {1, 100000, ""}},
    {"notification.timeoutMs", {100, 600000, " ms"}},
    {"merge.checksTimeout", {1000, ms_day, " ms"}},
    {"merge.batchSize", {1, 32, ""}},
    {"merge.checksPollingInterval", {1000, 3600000, " ms"}},
    {"locks.timeoutMs", {0, 3600000, " ms"}},
    {"agent.maxTurns", {1, 10000, ""}},
    {"api.limits.requests", {0, 1e9, "", "0: learn from the API"}},
    {"api.limits.inputTokens", {0, 1e12, "", "0: learn from the API"}},
    {"api.limits.outputTokens", {0, 1e12, "", "0: learn from the API"}},
    {"api.limits.windowMs", {1000, ms_day, " ms"}},
    {"api.limits.maxInFlight", {1, 1024, ""}},
    {"api.retry.maxAttempts", {1, 20, ""}},
    {"api.retry.backoffMs", {1, 600000, " ms"}},
    {"api.parkThresholdMs", {0, ms_day, " ms"}},
    {"api.autoScale.queuedMs", {100, 3600000, " ms"}},
    {"api.autoScale.idleMs", {100, 3600000, " ms"}},
    {"supervision.maxRestarts", {0, 100, ""}},
    {"supervision.windowMs", {1, ms_week, " ms"}},
    {"supervision.backoffMs", {0, 3600000, " ms"}},
    {"supervision.maxBackoffMs", {0, ms_day, " ms"}},
    {"shutdown.gracePeriod", {0, 3600000, " ms"}},
    {"limits.maxConcurrent", {1, 256, ""}},
    {"limits.maxCostUsd.story", {0, 1e9, " USD"}},
    {"limits.maxCostUsd.run", {0, 1e9, " USD"}},
    {"remote.connectionTimeoutMs", {1000, 3600000, " ms"}},
    {"epic.maxConcurrent", {1, 256, ""}},
    {"costLimits.warningThresholdPercent", {0, 100, ""}},
    {"costLimits.perStoryMaxTokens", {0, 1e12, ""}},
    {"costLimits.perRunMaxTokens", {0, 1e12, ""}},
    {"ticketing.github.projectNumber", {0, 1e9, ""}},
};

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

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diag + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The known key at this level closest to `key`, when one is close.
std::string did_you_mean(const std::string& key, const YAML::Node& level) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (auto it = level.begin(); it != level.end(); ++it) {
    auto d = edit_distance(key, it->first.Scalar());
    if (d < best_d) {
      best_d = d;
      best = it->first.Scalar();
    }
  }
  return best;
}

std::string number_text(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)))
    return std::to_string(static_cast<long long>(v));
  return fmt::format("{}", v);
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

kind kind_of(const YAML::Node& def, const std::string& key) {
  if (def.IsNull()) {
    auto it = nullable_kinds.find(key);
    return it == nullable_kinds.end() ? kind::string : it->second;
  }
  if (yaml::is_bool(def)) return kind::boolean;
  if (yaml::is_int(def)) return kind::whole;
  if (yaml::is_number(def)) return kind::number;
  return kind::string;
}

void check_scalar(const YAML::Node& value, kind k, const std::string& key,
                  const std::string& origin) {
  auto r = ranges.find(key);
  auto within = [&]() -> std::string {
    if (r != ranges.end())
      return fmt::format("from {} to {}{}{}", number_text(r->second.min),
                         number_text(r->second.max), r->second.unit,
                         r->second.note ? fmt::format(" ({})", r->second.note) : "");
    return fmt::format("from 0 to {}", std::numeric_limits<int>::max());
  };
  auto fail = [&](const std::string& expected) {
    throw bad_input(fmt::format("{}: '{}' must be {}, found {}", where(origin, value), key,
                                expected, yaml::kind_name(value)));
  };
  switch (k) {
  case kind::boolean:
    if (!yaml::is_bool(value)) fail("true or false");
    return;
  case kind::string:
    if (!yaml::is_string(value)) fail("a string");
    return;
  case kind::whole: {
    auto n = whole_number(value);
    if (!n) fail("a whole number " + within());
    double lo = r != ranges.end() ? r->second.min : 0;
    double hi = r != ranges.end() ? r->second.max : std::numeric_limits<int>::max();
    if (static_cast<double>(*n) < lo || static_cast<double>(*n) > hi)
      fail("a whole number " + within());
    return;
  }
  case kind::number: {
    if (!yaml::is_number(value)) fail("a number" + (r != ranges.end() ? " " + within() : ""));
    double v = value.as<double>();
    if (r != ranges.end() && (!(v >= r->second.min) || v > r->second.max))
      fail("a number " + within());
    return;
  }
  }
}

} // namespace

YAML::Node defaults() {
  return YAML::Load(std::string(resources::get("config/defaults.yaml")));
}

std::optional<long long> whole_number(const YAML::Node& scalar) {
  if (!yaml::is_int(scalar)) return std::nullopt;
  const auto& s = scalar.Scalar();
  const char* begin = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
  long long n = 0;
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

void validate(const YAML::Node& value, const YAML::Node& def, const std::string& key,
              const std::string& origin, std::vector<std::string>* warnings) {
  if (free_form.count(key)) return;
  auto fail = [&](const std::string& expected) {
    throw bad_input(fmt::format("{}: '{}' must be {}, found {}", where(origin, value), key,
                                expected, yaml::kind_name(value)));
  };
  if (def.IsMap()) {
    if (!value.IsMap()) fail("a map");
    if (open_maps.count(key)) {
      for (auto it = value.begin(); it != value.end(); ++it)
        if (!it->second.IsScalar() && !it->second.IsNull())
          throw bad_input(fmt::format("{}: '{}' must be a single value", where(origin, it->second),
                                      join_key(key, it->first.Scalar())));
      return;
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto child = it->first.Scalar();
      auto child_def = def[child];
      if (!child_def.IsDefined()) {
        auto close = did_you_mean(child, def);
        auto message =
            fmt::format("{}: unknown key '{}'{}", where(origin, it->first), join_key(key, child),
                        close.empty() ? fmt::format("; known keys here: {}", known_keys(def))
                                      : fmt::format("; did you mean '{}'?", join_key(key, close)));
        // A newer ai-sdlc may write keys we do not know: said, not refused.
        if (!warnings) throw bad_input(message);
        warnings->push_back(message + " (ignored)");
        continue;
      }
      validate(it->second, child_def, join_key(key, child), origin, warnings);
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
  if (def.IsNull() && value.IsNull()) return; // unset
  if (!value.IsScalar()) fail("a single value");
  check_scalar(value, kind_of(def, key), key, origin);
  check_allowed(value, key, origin);
}

YAML::Node value_from_text(const std::string& key, const std::string& text,
                           const std::string& origin) {
  const auto all = defaults();
  YAML::Node def;
  {
    // A dotted walk that never rebinds `all` (YAML::Node assignment would).
    YAML::Node at = all;
    std::size_t start = 0;
    while (true) {
      auto dot = key.find('.', start);
      auto part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      const YAML::Node& cur = at;
      if (!cur.IsMap() || !cur[part].IsDefined())
        throw bad_input(
            fmt::format("unknown config key '{}'; `sdlc-actors config` lists them all", key));
      at.reset(cur[part]);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    def.reset(at);
  }
  YAML::Node value;
  if (def.IsMap() || def.IsSequence()) {
    value = yaml::load_bounded(text, origin);
    if (!value.IsDefined()) value = YAML::Node(YAML::NodeType::Null);
  } else if (kind_of(def, key) == kind::string) {
    value = yaml::string(text); // exactly as typed
  } else {
    // A number or boolean: read as a plain scalar, never as YAML with tags
    // or flow syntax.
    value = YAML::Node(text);
  }
  validate(value, def, key, origin, nullptr);
  return value;
}

std::vector<std::string> not_acted_on_in(const YAML::Node& user) {
  std::vector<std::string> out;
  std::vector<std::pair<std::string, YAML::Node>> todo;
  if (user.IsMap())
    for (auto it = user.begin(); it != user.end(); ++it)
      todo.emplace_back(it->first.Scalar(), it->second);
  while (!todo.empty()) {
    auto [key, node] = todo.back();
    todo.pop_back();
    if (not_acted_on.count(key)) {
      out.push_back(key);
      continue;
    }
    if (node.IsMap() && !free_form.count(key) && !open_maps.count(key))
      for (auto it = node.begin(); it != node.end(); ++it)
        todo.emplace_back(join_key(key, it->first.Scalar()), it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace sdlc::config_schema
