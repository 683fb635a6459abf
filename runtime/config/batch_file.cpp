#include "runtime/config/batch_file.hpp"

#include "runtime/config/config_schema.hpp"
#include "runtime/remote/endpoint.hpp"

#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/yaml_document.hpp"

#include <fmt/format.h>

#include <set>

namespace sdlc {

namespace {

// Sections that are the project's config keys, applied for this run only.
const std::set<std::string> config_sections = {
    "agent",          "timeouts",   "retry",       "reviewConfig",
    "implementation", "refinement", "testCommand", "buildCommand",
    "supervision",    "shutdown",   "api",         "remote"};
const std::set<std::string> batch_keys = {"stories",  "select",   "concurrency", "priorities",
                                          "failFast", "worktree", "nodes",       "limits"};

std::string where(const std::string& file, const YAML::Node& n) {
  return n.Mark().is_null() ? file : fmt::format("{}:{}", file, n.Mark().line + 1);
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& key,
                                     const std::string& file) {
  if (!n.IsSequence())
    throw bad_input(
        fmt::format("{}: '{}' must be a list, found {}", where(file, n), key, yaml::kind_name(n)));
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar())
      throw bad_input(fmt::format("{}: '{}' must list plain values", where(file, item), key));
    out.push_back(item.Scalar());
  }
  return out;
}

void read_select(const YAML::Node& v, batch_settings& out, const std::string& origin) {
  if (!v.IsMap())
    throw bad_input(fmt::format("{}: 'select' must be a map (labels, status)", where(origin, v)));
  for (auto s = v.begin(); s != v.end(); ++s) {
    auto k = s->first.Scalar();
    if (k == "labels")
      out.selection.labels = string_list(s->second, "select.labels", origin);
    else if (k == "status") {
      out.selection.statuses = string_list(s->second, "select.status", origin);
      for (const auto& st : out.selection.statuses)
        if (!parse_status(st))
          throw bad_input(fmt::format("{}: 'select.status' has '{}'; use backlog, ready, "
                                      "in-progress, done or blocked",
                                      where(origin, s->second), st));
    } else
      throw bad_input(
          fmt::format("{}: unknown key 'select.{}' (labels, status)", where(origin, s->first), k));
  }
}

void read_priorities(const YAML::Node& v, batch_settings& out, const std::string& origin) {
  if (!v.IsMap())
    throw bad_input(
        fmt::format("{}: 'priorities' must map story ids to numbers", where(origin, v)));
  for (auto p = v.begin(); p != v.end(); ++p) {
    if (!yaml::is_number(p->second))
      throw bad_input(fmt::format("{}: 'priorities.{}' must be a number, found {}",
                                  where(origin, p->second), p->first.Scalar(),
                                  yaml::kind_name(p->second)));
    out.selection.priority_overrides[p->first.Scalar()] = static_cast<long>(p->second.as<double>());
  }
}

} // namespace

batch_settings load_batch_file(const std::filesystem::path& file, config& cfg) {
  const auto origin = file.string();
  if (!std::filesystem::exists(file))
    throw bad_input(fmt::format("batch file {} does not exist", origin));
  auto text = fs::read_file(file, 1u << 20);
  YAML::Node root = yaml::load_bounded(text, origin);
  if (!root.IsMap())
    throw bad_input(fmt::format(
        "{}: a batch file is a map of keys (stories, select, concurrency, ...)", origin));
  batch_settings out;
  YAML::Node overrides(YAML::NodeType::Map);
  for (auto it = root.begin(); it != root.end(); ++it) {
    const auto key = it->first.Scalar();
    const YAML::Node v = it->second;
    if (config_sections.count(key)) {
      overrides[key] = v;
      continue;
    }
    if (!batch_keys.count(key))
      throw bad_input(fmt::format("{}: unknown key '{}'; a batch file takes stories, select, "
                                  "concurrency, priorities, failFast, worktree and the config "
                                  "sections agent, timeouts, retry, reviewConfig, ...",
                                  where(origin, it->first), key));
    if (key == "stories") {
      out.selection.story_ids = string_list(v, key, origin);
      for (const auto& id : out.selection.story_ids)
        if (!is_safe_name(id))
          throw bad_input(fmt::format("{}: '{}' is not a story id", where(origin, v), id));
    } else if (key == "select") {
      read_select(v, out, origin);
    } else if (key == "concurrency") {
      auto n = config_schema::whole_number(v);
      if (!n || *n < 1 || *n > 256)
        throw bad_input(fmt::format("{}: 'concurrency' must be a whole number from 1 to 256, "
                                    "found {}",
                                    where(origin, v), yaml::kind_name(v)));
      out.concurrency = static_cast<int>(*n);
    } else if (key == "priorities") {
      read_priorities(v, out, origin);
    } else if (key == "failFast") {
      if (!yaml::is_bool(v))
        throw bad_input(fmt::format("{}: 'failFast' must be true or false", where(origin, v)));
      out.fail_fast = v.as<bool>();
    } else if (key == "worktree") {
      if (!v.IsMap())
        throw bad_input(fmt::format("{}: 'worktree' must be a map (keep)", where(origin, v)));
      for (auto w = v.begin(); w != v.end(); ++w) {
        if (w->first.Scalar() != "keep" || !yaml::is_bool(w->second))
          throw bad_input(
              fmt::format("{}: 'worktree' takes keep: true|false", where(origin, w->first)));
        out.keep_worktrees = w->second.as<bool>();
      }
    } else if (key == "nodes") {
      out.nodes = string_list(v, key, origin);
      for (const auto& n : out.nodes)
        parse_endpoint(n, fmt::format("{}: 'nodes'", where(origin, v)));
    } else {
      throw bad_input(fmt::format("{}: '{}' is not supported yet by this version",
                                  where(origin, it->first), key));
    }
  }
  apply_config_overrides(cfg, overrides, origin);
  return out;
}

} // namespace sdlc
