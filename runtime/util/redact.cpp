#include "runtime/util/redact.hpp"

#include "runtime/util/text.hpp"

#include <algorithm>
#include <cctype>

namespace sdlc {

void redactor::add(const std::string& secret) {
  if (secret.size() < 8) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(secret);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redactor::apply(std::string_view text) const {
  std::string out(text);
  for (const auto& s : secrets_)
    for (auto pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos))
      out.replace(pos, s.size(), redacted);
  return out;
}

bool is_secret_name(std::string_view name) {
  const auto upper = ascii_upper(name);
  auto ends = [&](std::string_view suffix) {
    return upper.size() >= suffix.size() &&
           upper.compare(upper.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("_KEY") || ends("_TOKEN") || ends("_SECRET") || ends("_PASSWORD") ||
         upper == "TOKEN" || upper == "SECRET" || upper == "PASSWORD";
}

redactor redactor_for(const std::map<std::string, std::string>& env) {
  redactor r;
  for (const auto& [k, v] : env)
    if (is_secret_name(k)) r.add(v);
  if (auto it = env.find("ANTHROPIC_CUSTOM_HEADERS"); it != env.end()) {
    const std::string name = "x-sdlc-token:";
    auto at = it->second.find(name);
    if (at != std::string::npos) {
      auto start = it->second.find_first_not_of(' ', at + name.size());
      auto end = it->second.find_first_of("\r\n", start);
      if (start != std::string::npos) r.add(it->second.substr(start, end - start));
    }
  }
  return r;
}

} // namespace sdlc
