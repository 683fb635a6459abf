#pragma once
// The review's verdict, read from the agent's answer: a ```json fence, or the
// first JSON object with a "passed" key anywhere in the text. Anything else is
// no decision at all — never an approval.
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

struct review_issue {
  std::string severity; // blocker | critical | major | minor
  std::string category;
  std::string description;
};

struct review_decision {
  bool passed = false;
  std::vector<review_issue> issues;
};

std::optional<review_decision> parse_review_decision(const std::string& text);

// Which phase a rejection sends the story back to: research, plan or
// implement — the earliest phase any blocker/critical/major issue points at
// (requirements/research -> research; plan/design/architecture -> plan; else implement).
std::string rework_target(const std::vector<review_issue>& issues);

// Markdown of the issues, for the story's review notes and the rework prompt.
std::string format_issues(const std::vector<review_issue>& issues);

} // namespace sdlc
