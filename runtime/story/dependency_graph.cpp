#include "runtime/story/dependency_graph.hpp"

#include "runtime/story/story.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
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

std::vector<std::string> dependency_graph::dependents_of(const std::string& id) const {
  std::vector<std::string> out;
  auto key = ascii_upper(id);
  for (const auto& [s, deps] : deps_)
    if (std::find(deps.begin(), deps.end(), key) != deps.end()) out.push_back(s);
  return out;
}

std::vector<dependency_issue> dependency_graph::issues() const {
  std::vector<dependency_issue> out;
  for (const auto& [id, deps] : deps_)
    for (const auto& d : deps)
      if (!deps_.count(d)) out.push_back({dependency_issue::missing, {id, d}});
  // Cycles: DFS with colours; each back edge yields the cycle on the stack.
  enum colour { white, grey, black };
  std::map<std::string, colour> seen;
  std::vector<std::string> stack;
  std::set<std::set<std::string>> reported;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    seen[id] = grey;
    stack.push_back(id);
    for (const auto& d : dependencies_of(id)) {
      if (!deps_.count(d)) continue;
      if (seen[d] == grey) {
        auto from = std::find(stack.begin(), stack.end(), d);
        std::vector<std::string> cyc(from, stack.end());
        cyc.push_back(d);
        std::set<std::string> members(cyc.begin(), cyc.end());
        if (reported.insert(members).second) out.push_back({dependency_issue::cycle, cyc});
      } else if (seen[d] == white) {
        visit(d);
      }
    }
    stack.pop_back();
    seen[id] = black;
  };
  for (const auto& [id, _] : deps_)
    if (seen[id] == white) visit(id);
  return out;
}

std::vector<std::string> dependency_graph::topological_order() const {
  std::map<std::string, int> pending;
  for (const auto& [id, deps] : deps_) {
    int n = 0;
    for (const auto& d : deps)
      n += deps_.count(d) ? 1 : 0;
    pending[id] = n;
  }
  std::vector<std::string> order;
  std::set<std::string> ready;
  for (const auto& [id, n] : pending)
    if (n == 0) ready.insert(id);
  while (!ready.empty()) {
    auto id = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(id);
    for (const auto& dep : dependents_of(id))
      if (--pending[dep] == 0) ready.insert(dep);
  }
  return order;
}

} // namespace sdlc
