#include "runtime/schedule/dependency_reach.hpp"

#include "runtime/story/story.hpp"

namespace sdlc {

dependency_reach::dependency_reach(const std::vector<story>& stories) {
  for (const auto& s : stories)
    deps_[s.id()] = s.dependencies();
}

dependency_reach::dependency_reach(std::map<std::string, std::vector<std::string>> deps)
    : deps_(std::move(deps)) {}

bool dependency_reach::related(const std::string& a, const std::string& b) {
  return ancestors(a).count(b) || ancestors(b).count(a);
}

const std::set<std::string>& dependency_reach::ancestors(const std::string& id) {
  if (auto known = ancestors_.find(id); known != ancestors_.end()) return known->second;
  // A walk with its own stack: a chain of dependencies may be as long as
  // the board. On a cycle the walk ends where it has been before.
  std::set<std::string> found;
  std::vector<const std::string*> todo{&id};
  while (!todo.empty()) {
    const auto* at = todo.back();
    todo.pop_back();
    auto edges = deps_.find(*at);
    if (edges == deps_.end()) continue;
    for (const auto& d : edges->second) {
      if (!found.insert(d).second) continue;
      if (auto known = ancestors_.find(d); known != ancestors_.end())
        found.insert(known->second.begin(), known->second.end());
      else
        todo.push_back(&d);
    }
  }
  return ancestors_.emplace(id, std::move(found)).first->second;
}

} // namespace sdlc
