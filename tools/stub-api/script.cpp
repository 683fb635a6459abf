#include "script.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

namespace stub {

namespace {

step read_step(const YAML::Node& n, const std::string& where) {
  step s;
  if (!n.IsMap()) throw std::runtime_error(fmt::format("{}: expected a map", where));
  for (auto it = n.begin(); it != n.end(); ++it) {
    auto key = it->first.as<std::string>();
    const YAML::Node v = it->second;
    if (key == "text") {
      s.text = v.as<std::string>();
    } else if (key == "latency_ms") {
      s.latency_ms = v.as<long>();
    } else if (key == "decisions") {
      s.decisions = v.as<std::vector<std::string>>();
      for (const auto& d : s.decisions)
        if (d != "APPROVED" && d != "REJECTED" && d != "GARBAGE")
          throw std::runtime_error(
              fmt::format("{}.decisions: '{}' is not APPROVED, REJECTED or GARBAGE", where, d));
    } else if (key == "writes") {
      for (const auto& w : v)
        s.writes.push_back({w["path"].as<std::string>(), w["content"].as<std::string>()});
    } else if (key == "rewrites") {
      for (const auto& w : v)
        s.rewrites.push_back({w["path"].as<std::string>(), w["content"].as<std::string>()});
    } else if (key == "edits") {
      for (const auto& e : v)
        s.edits.push_back(
            {e["path"].as<std::string>(), e["old"].as<std::string>(), e["new"].as<std::string>()});
    } else {
      throw std::runtime_error(fmt::format("{}: unknown key '{}'", where, key));
    }
  }
  return s;
}

} // namespace

std::string step::text_for(long call_no) const {
  if (decisions.empty()) return text;
  auto i = static_cast<std::size_t>(std::max<long>(1, call_no) - 1);
  const auto& d = decisions[std::min(i, decisions.size() - 1)];
  if (d == "GARBAGE") return "I looked at it and it seems fine, probably.";
  bool passed = d == "APPROVED";
  auto issues = passed ? std::string("[]")
                       : fmt::format(R"([{{"severity": "major", "category": "implementation", )"
                                     R"("description": "stub review rejection #{}"}}])",
                                     call_no);
  return fmt::format("{}\n\n```json\n{{\"passed\": {}, \"issues\": {}}}\n```\n", text,
                     passed ? "true" : "false", issues);
}

const step& script::step_for(const std::string& story, const std::string& action) const {
  if (auto s = stories.find(story); s != stories.end())
    if (auto a = s->second.find(action); a != s->second.end()) return a->second;
  if (auto a = actions.find(action); a != actions.end()) return a->second;
  return fallback;
}

script load_script(const std::string& file) {
  YAML::Node root = YAML::LoadFile(file);
  script sc;
  for (auto it = root.begin(); it != root.end(); ++it) {
    auto key = it->first.as<std::string>();
    const YAML::Node v = it->second;
    if (key == "latency_ms") {
      sc.latency_ms = v.as<long>();
    } else if (key == "rate_limit") {
      sc.rate_requests = v["requests"].as<long>();
      sc.rate_window_ms = v["window_ms"].as<long>(60000);
    } else if (key == "fail") {
      sc.fail_status = v["status"].as<int>(529);
      sc.fail_count = v["count"].as<long>(1);
      sc.fail_after = v["after"].as<long>(0);
      sc.fail_retry_after_ms = v["retry_after_ms"].as<long>(1000);
    } else if (key == "watch_for") {
      sc.watch_for = v.as<std::vector<std::string>>();
    } else if (key == "default") {
      sc.fallback = read_step(v, file + ": default");
    } else if (key == "actions") {
      for (auto a = v.begin(); a != v.end(); ++a)
        sc.actions[a->first.as<std::string>()] =
            read_step(a->second, file + ": actions." + a->first.as<std::string>());
    } else if (key == "stories") {
      for (auto s = v.begin(); s != v.end(); ++s)
        for (auto a = s->second.begin(); a != s->second.end(); ++a)
          sc.stories[s->first.as<std::string>()][a->first.as<std::string>()] =
              read_step(a->second, file + ": stories." + s->first.as<std::string>() + "." +
                                       a->first.as<std::string>());
    } else {
      throw std::runtime_error(fmt::format("{}: unknown key '{}'", file, key));
    }
  }
  return sc;
}

} // namespace stub
