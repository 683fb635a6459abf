#include "runtime/workflow/review_decision.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sdlc {

namespace {

std::optional<review_decision> from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("passed") || !j["passed"].is_boolean()) return std::nullopt;
  review_decision d;
  d.passed = j["passed"].get<bool>();
  if (j.contains("issues")) {
    if (!j["issues"].is_array()) return std::nullopt;
    for (const auto& i : j["issues"]) {
      if (!i.is_object()) return std::nullopt;
      d.issues.push_back({i.value("severity", "major"), i.value("category", "implementation"),
                          i.value("description", "")});
    }
  }
  return d;
}

// The balanced {...} starting at `open`, honouring strings and escapes.
std::optional<std::string> balanced_object(const std::string& s, std::size_t open) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && --depth == 0)
      return s.substr(open, i - open + 1);
  }
  return std::nullopt;
}

} // namespace

std::optional<review_decision> parse_review_decision(const std::string& text) {
  // 1. A ```json fence (the last one wins: models sometimes quote the format first).
  std::optional<review_decision> fenced;
  for (auto pos = text.find("```json"); pos != std::string::npos;
       pos = text.find("```json", pos + 1)) {
    auto start = text.find('\n', pos);
    auto end = start == std::string::npos ? std::string::npos : text.find("```", start);
    if (end == std::string::npos) break;
    auto j = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
    if (!j.is_discarded())
      if (auto d = from_json(j)) fenced = d;
  }
  if (fenced) return fenced;
  // 2. The first object with "passed" anywhere.
  for (auto pos = text.find('{'); pos != std::string::npos; pos = text.find('{', pos + 1)) {
    auto obj = balanced_object(text, pos);
    if (!obj) continue;
    if (obj->find("\"passed\"") == std::string::npos) continue;
    auto j = nlohmann::json::parse(*obj, nullptr, false);
    if (!j.is_discarded())
      if (auto d = from_json(j)) return d;
  }
  return std::nullopt;
}

std::string rework_target(const std::vector<review_issue>& issues) {
  int earliest = 2; // 0 research, 1 plan, 2 implement
  for (const auto& i : issues) {
    if (i.severity == "minor") continue;
    const auto& c = i.category;
    if (c == "requirements" || c == "research")
      earliest = std::min(earliest, 0);
    else if (c == "plan" || c == "design" || c == "architecture")
      earliest = std::min(earliest, 1);
  }
  static const char* names[] = {"research", "plan", "implement"};
  return names[earliest];
}

std::string format_issues(const std::vector<review_issue>& issues) {
  if (issues.empty()) return "(no issues listed)";
  std::string out;
  for (const auto& i : issues)
    out += fmt::format("- **{}** [{}] {}\n", i.severity, i.category, i.description);
  return out;
}

} // namespace sdlc
