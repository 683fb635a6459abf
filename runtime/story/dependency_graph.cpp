#include "runtime/story/dependency_graph.hpp"

#include "runtime/story/story.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace sdlc {

std::string dependency_issue::message() const {
  if (kind == missing)
    return fmt::format("{} depends on {}, which is not on the board", ids.at(0), ids.at(1));
  return fmt::format("dependency cycle: {}", fmt::join(ids, " -> "));
}

dependency_graph::dependency_graph(const std::vector<story>& stories) {
  for (const auto& s : stories) {
    auto& deps = deps_[ascii_upper(s.id())];
    for (const auto& d : s.dependencies())
      deps.push_back(ascii_upper(d));
  }
}

dependency_graph::dependency_graph(std::map<std::string, std::vector<std::string>> edges) {
  for (auto& [id, deps] : edges) {
    auto& out = deps_[ascii_upper(id)];
    for (auto& d : deps)
      out.push_back(ascii_upper(d));
  }
}

const std::vector<std::string>& dependency_graph::dependencies_of(const std::string& id) const {
  static const std::vector<std::string> none;
  auto it = deps_.find(ascii_upper(id));
  return it == deps_.end() ? none : it->second;
}

std::vector<dependency_issue> dependency_graph::issues() const {
  std::vector<dependency_issue> out;
  for (const auto& [id, deps] : deps_)
    for (const auto& d : deps)
      if (!deps_.count(d)) out.push_back({dependency_issue::missing, {id, d}});
  // Cycles: DFS with colours; each back edge yields the cycle on the path.
  // The walk keeps its own stack: a board that is one long chain would
  // overflow the thread's stack with a frame per story.
  enum colour { white, grey, black };
  std::map<std::string, colour> seen;
  std::vector<std::string> path;
  std::vector<std::size_t> next; // per path entry: the dependency to look at next
  std::set<std::set<std::string>> reported;
  for (const auto& [root, _] : deps_) {
    if (seen[root] != white) continue;
    seen[root] = grey;
    path.push_back(root);
    next.push_back(0);
    while (!path.empty()) {
      const auto& deps = dependencies_of(path.back());
      if (next.back() == deps.size()) {
        seen[path.back()] = black;
        path.pop_back();
        next.pop_back();
        continue;
      }
      const auto& d = deps[next.back()++];
      if (!deps_.count(d)) continue;
      auto& c = seen[d];
      if (c == grey) {
        std::vector<std::string> cyc(std::find(path.begin(), path.end(), d), path.end());
        cyc.push_back(d);
        std::set<std::string> members(cyc.begin(), cyc.end());
        if (reported.insert(members).second) out.push_back({dependency_issue::cycle, cyc});
      } else if (c == white) {
        c = grey;
        path.push_back(d);
        next.push_back(0);
      }
    }
  }
  return out;
}

} // namespace sdlc
