#pragma once
// Dependencies between stories (`dependencies:` / `depends_on:`), with the two
// ways a board can get them wrong: a reference to a story that does not exist,
// and a cycle. Both are reported with the ids involved.
#include <map>
#include <string>
#include <vector>

namespace sdlc {

class story;

struct dependency_issue {
  enum kind_t { missing, cycle } kind;
  std::vector<std::string> ids; // missing: {story, missing dep}; cycle: a -> b -> ... -> a
  std::string message() const;
};

class dependency_graph {
public:
  explicit dependency_graph(const std::vector<story>& stories);
  // For tests and for plans that are not backed by story files.
  explicit dependency_graph(std::map<std::string, std::vector<std::string>> edges);

  const std::vector<std::string>& dependencies_of(const std::string& id) const;
  std::vector<dependency_issue> issues() const;

private:
  std::map<std::string, std::vector<std::string>> deps_; // upper-cased ids
};

} // namespace sdlc
