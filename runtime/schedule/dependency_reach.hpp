#pragma once
// Whether one of two stories depends on the other, directly or not: such a
// pair never runs at once, so it cannot conflict. Only pairs that share
// files are asked about, so a story's ancestors are gathered the first time
// it is asked about (and kept), not for the whole board up front: that
// closure of every story was a tenth of a 10,000-story run's start, and
// recursed as deep as the longest dependency chain.
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sdlc {

class story;

class dependency_reach {
public:
  dependency_reach() = default;
  explicit dependency_reach(const std::vector<story>& stories);
  // For tests: each story's direct dependencies.
  explicit dependency_reach(std::map<std::string, std::vector<std::string>> deps);

  bool related(const std::string& a, const std::string& b);

private:
  const std::set<std::string>& ancestors(const std::string& id);

  std::map<std::string, std::vector<std::string>> deps_;
  std::map<std::string, std::set<std::string>> ancestors_; // those asked about so far
};

} // namespace sdlc
