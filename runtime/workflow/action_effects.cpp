#include "runtime/workflow/action_effects.hpp"

#include "runtime/util/text.hpp"
#include "runtime/util/time.hpp"
#include "runtime/util/yaml_document.hpp"
#include "runtime/workflow/transitions.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace {

void touch(story& s) {
  s.set_string("updated", time::today());
}

} // namespace

std::string append_section(const std::string& body, const std::string& heading,
                           const std::string& text) {
  const auto marker = "## " + heading;
  std::size_t at = std::string::npos;
  for (std::size_t pos = 0; pos < body.size();) {
    auto nl = body.find('\n', pos);
    auto line = body.substr(pos, (nl == std::string::npos ? body.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == marker) {
      at = pos;
      break;
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  auto block = trim(text) + "\n";
  if (at == std::string::npos) {
    std::string out = body;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "\n" + marker + "\n\n" + block;
  }
  // End of the section: the next "## " heading after it, or the end.
  auto next = body.find("\n## ", at + marker.size());
  auto insert_at = next == std::string::npos ? body.size() : next + 1;
  std::string before = body.substr(0, insert_at);
  while (!before.empty() && (before.back() == '\n' || before.back() == '\r'))
    before.pop_back();
  return before + "\n\n" + block + (next == std::string::npos ? "" : "\n" + body.substr(insert_at));
}

void apply_refine(story& s, const std::string& new_body) {
  auto body = trim(new_body);
  if (!body.empty()) s.set_body(body + "\n");
  s.set_number("refinement_count", s.number("refinement_count", 0) + 1);
  s.set_status(story_status::ready);
  touch(s);
}

void apply_research(story& s, const std::string& findings) {
  s.set_body(append_section(s.body(), "Research", findings));
  s.set_bool("research_complete", true);
  touch(s);
}

void apply_plan(story& s, const std::string& plan) {
  s.set_body(append_section(s.body(), "Implementation Plan", plan));
  s.set_bool("plan_complete", true);
  touch(s);
}

void apply_implement(story& s) {
  s.set_bool("implementation_complete", true);
  if (s.status() == story_status::ready) s.set_status(story_status::in_progress);
  if (s.has("last_error")) s.erase("last_error");
  touch(s);
}

void apply_rework(story& s) {
  apply_implement(s);
}

void apply_move_to_done(story& s) {
  s.set_status(story_status::done);
  touch(s);
}

std::string apply_review(story& s, const review_decision& d, const std::string& notes,
                         int max_retries) {
  auto decision = d.passed ? "APPROVED" : "REJECTED";
  s.set_body(
      append_section(s.body(), "Review Notes",
                     fmt::format("### {} — {}\n\n{}", decision, time::now_iso8601(), trim(notes))));
  YAML::Node entry(YAML::NodeType::Map);
  entry["timestamp"] = yaml::string(time::now_iso8601());
  entry["decision"] = yaml::string(decision);
  entry["feedback"] = yaml::string(d.passed ? "All reviews passed" : format_issues(d.issues));
  YAML::Node blockers(YAML::NodeType::Sequence);
  for (const auto& i : d.issues)
    if (i.severity == "blocker" || i.severity == "critical")
      blockers.push_back(yaml::string(i.description));
  entry["blockers"] = blockers;
  std::string target;
  if (!d.passed) target = rework_target(d.issues);
  if (!d.passed) entry["rework_target"] = yaml::string(target);
  const YAML::Node& fm = s.frontmatter();
  auto history = fm["review_history"];
  if (!history.IsDefined() || !history.IsSequence())
    s.frontmatter()["review_history"] = YAML::Node(YAML::NodeType::Sequence);
  s.frontmatter()["review_history"].push_back(entry);
  touch(s);
  if (d.passed) {
    s.set_bool("reviews_complete", true);
    return "";
  }
  auto retries = s.number("retry_count", 0);
  if (retries >= max_retries) {
    block(s,
          fmt::format("review rejected {} times (reviewConfig.maxRetries = {}); last findings: {}",
                      retries + 1, max_retries,
                      d.issues.empty() ? "none listed" : d.issues.front().description));
    return "blocked";
  }
  s.set_number("retry_count", retries + 1);
  s.set_string("last_restart_reason", format_issues(d.issues));
  s.set_string("last_restart_timestamp", time::now_iso8601());
  s.set_bool("reviews_complete", false);
  s.set_bool("implementation_complete", false);
  if (target == "research" || target == "plan") s.set_bool("plan_complete", false);
  if (target == "research") s.set_bool("research_complete", false);
  return target;
}

void apply_action_failure(story& s, const std::string& action, const std::string& error) {
  s.set_string("last_error", fmt::format("{}: {}", action, error));
  touch(s);
}

} // namespace sdlc
