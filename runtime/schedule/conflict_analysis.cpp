#include "runtime/schedule/conflict_analysis.hpp"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>

namespace sdlc {

const char* to_string(conflict_severity s) {
  switch (s) {
  case conflict_severity::none:
    return "none";
  case conflict_severity::low:
    return "low";
  case conflict_severity::medium:
    return "medium";
  case conflict_severity::high:
    return "high";
  }
  return "none";
}

namespace {
std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}
} // namespace

story_conflict classify(const story_files& a, const story_files& b) {
  story_conflict c{a.id, b.id, conflict_severity::none, {}, {}};
  if (a.files.empty() || b.files.empty()) return c;
  for (const auto& f : a.files)
    if (b.files.count(f)) c.shared.push_back(f);
  if (!c.shared.empty()) {
    c.severity = conflict_severity::high;
    return c;
  }
  std::set<std::string> dirs_a, dirs_b;
  for (const auto& f : a.files)
    if (auto d = dir_of(f); !d.empty()) dirs_a.insert(d);
  for (const auto& f : b.files)
    if (auto d = dir_of(f); !d.empty()) dirs_b.insert(d);
  for (const auto& d : dirs_a)
    if (dirs_b.count(d)) c.shared.push_back(d + "/");
  c.severity = c.shared.empty() ? conflict_severity::low : conflict_severity::medium;
  return c;
}

namespace {

// Pairs (i < j) of stories sharing a file or a directory other than the top
// one — every pair classify() can call medium or high — in input order.
std::vector<std::pair<std::size_t, std::size_t>>
overlapping_pairs(const std::vector<story_files>& stories) {
  std::map<std::string, std::vector<std::size_t>> by_place; // "f:path" / "d:dir" -> stories
  for (std::size_t i = 0; i < stories.size(); ++i) {
    std::set<std::string> places;
    for (const auto& f : stories[i].files) {
      places.insert("f:" + f);
      if (auto d = dir_of(f); !d.empty()) places.insert("d:" + d);
    }
    for (const auto& p : places)
      by_place[p].push_back(i);
  }
  std::set<std::pair<std::size_t, std::size_t>> pairs;
  for (const auto& [place, ids] : by_place)
    for (std::size_t x = 0; x < ids.size(); ++x)
      for (std::size_t y = x + 1; y < ids.size(); ++y)
        pairs.emplace(ids[x], ids[y]);
  return {pairs.begin(), pairs.end()};
}

} // namespace

std::vector<story_conflict> pairwise(const std::vector<story_files>& stories, bool with_low) {
  std::vector<story_conflict> out;
  if (!with_low) {
    for (const auto& [i, j] : overlapping_pairs(stories))
      out.push_back(classify(stories[i], stories[j]));
    return out;
  }
  for (std::size_t i = 0; i < stories.size(); ++i)
    for (std::size_t j = i + 1; j < stories.size(); ++j) {
      auto c = classify(stories[i], stories[j]);
      if (c.severity != conflict_severity::none) out.push_back(std::move(c));
    }
  return out;
}

std::string describe(const story_conflict& c) {
  if (c.severity == conflict_severity::low)
    return fmt::format("{} and {} touch different directories", c.b, c.a);
  auto text =
      fmt::format("{} may conflict with {} (shared: {})", c.b, c.a, fmt::join(c.shared, ", "));
  if (!c.merge_conflicts.empty())
    text +=
        fmt::format("; merging their branches conflicts in {}", fmt::join(c.merge_conflicts, ", "));
  return text;
}

std::set<std::string> predicted_files(const std::string& plan) {
  std::set<std::string> out;
  static const std::regex ticked("`([^`\\s]+)`");
  static const std::regex bare(
      R"((?:^|[\s(\[])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_-][A-Za-z0-9_.-]*\.[A-Za-z0-9]+))");
  auto accept = [&](std::string p) {
    if (p.find("://") != std::string::npos) return;
    while (!p.empty() && (p.back() == '.' || p.back() == ',' || p.back() == ':'))
      p.pop_back();
    if (p.rfind("./", 0) == 0) p = p.substr(2);
    if (p.empty() || p.front() == '-') return;
    const bool has_dir = p.find('/') != std::string::npos;
    const auto dot = p.rfind('.');
    const bool has_ext = dot != std::string::npos && dot > 0 && dot + 1 < p.size() &&
                         (p.rfind('/') == std::string::npos || dot > p.rfind('/') + 1);
    if (has_dir || has_ext) out.insert(p);
  };
  for (std::sregex_iterator it(plan.begin(), plan.end(), ticked), end; it != end; ++it)
    accept((*it)[1].str());
  for (std::sregex_iterator it(plan.begin(), plan.end(), bare), end; it != end; ++it)
    accept((*it)[1].str());
  return out;
}

std::string plan_section(const std::string& body) {
  auto at = body.find("## Implementation Plan");
  if (at == std::string::npos) return {};
  auto start = body.find('\n', at);
  if (start == std::string::npos) return {};
  auto end = body.find("\n## ", start);
  return body.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

} // namespace sdlc
