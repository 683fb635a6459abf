#pragma once
// Secrets never reach a file or a terminal: the values of the environment
// variables an agent is given whose names say they are secrets (*_KEY,
// *_TOKEN, *_SECRET, *_PASSWORD — ANTHROPIC_API_KEY among them) and the
// run's gateway token are replaced by [REDACTED] in everything an agent
// prints before anything of it is logged, shown or written into a story.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc {

class redactor {
public:
  // Values shorter than 8 characters are not secrets worth the false hits.
  void add(const std::string& secret);
  std::string apply(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }
  std::size_t size() const { return secrets_.size(); }

private:
  std::vector<std::string> secrets_; // longest first: a secret inside another is found whole
};

// Whether a variable with this name holds a secret.
bool is_secret_name(std::string_view name);

// The secrets of an environment: values of secret-named variables, and the
// run token inside ANTHROPIC_CUSTOM_HEADERS (`x-sdlc-token: …`).
redactor redactor_for(const std::map<std::string, std::string>& env);

constexpr const char* redacted = "[REDACTED]";

} // namespace sdlc
