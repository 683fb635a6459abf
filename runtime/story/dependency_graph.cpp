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
  // Each path entry: the story, its dependencies, the next one to look at.
  struct step {
    const std::string* id;
    const std::vector<std::string>* deps;
    std::size_t next;
  };
  std::vector<step> path;
  std::set<std::set<std::string>> reported;
  for (const auto& [root, root_deps] : deps_) {
    if (seen[root] != white) continue;
    seen[root] = grey;
    path.push_back({&root, &root_deps, 0});
    while (!path.empty()) {
      auto& top = path.back();
      if (top.next == top.deps->size()) {
        seen[*top.id] = black;
        path.pop_back();
        continue;
      }
      const auto& d = (*top.deps)[top.next++];
      auto found = deps_.find(d);
      if (found == deps_.end()) continue;
      auto& c = seen[d];
      if (c == grey) {
        std::vector<std::string> cyc;
        auto from =
            std::find_if(path.begin(), path.end(), [&](const step& s) { return *s.id == d; });
        for (auto it = from; it != path.end(); ++it)
          cyc.push_back(*it->id);
        cyc.push_back(d);
        std::set<std::string> members(cyc.begin(), cyc.end());
        if (reported.insert(members).second) out.push_back({dependency_issue::cycle, cyc});
      } else if (c == white) {
        c = grey;
        path.push_back({&found->first, &found->second, 0});
      }
    }
  }
  return out;
}

} // namespace sdlc
