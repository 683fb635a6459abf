#include "runtime/story/story_from_file.hpp"

#include "runtime/util/yaml_document.hpp"

#include <algorithm>
#include <regex>

namespace sdlc {

namespace {

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

// The frontmatter block ("---\n...\n---\n" at the very start): its YAML text
// and where the rest begins; npos when there is none.
std::size_t frontmatter_end(const std::string& text, std::string& yaml) {
  if (text.rfind("---\n", 0) != 0 && text.rfind("---\r\n", 0) != 0) return std::string::npos;
  auto close = text.find("\n---", 3);
  if (close == std::string::npos) return std::string::npos;
  auto line_end = text.find('\n', close + 4);
  yaml = text.substr(text.find('\n') + 1, close - text.find('\n'));
  return line_end == std::string::npos ? text.size() : line_end + 1;
}

std::string title_in(const std::string& yaml) {
  try {
    auto node = yaml::load_bounded(yaml, "add --file");
    if (node.IsMap() && node["title"] && node["title"].IsScalar())
      return trimmed(node["title"].Scalar());
  } catch (const std::exception&) {
    // Not YAML after all: the heading or the file name gives the title.
  }
  return {};
}

} // namespace

story_source story_from_text(const std::string& text, const std::string& fallback_title) {
  std::string clean = text;
  clean.erase(std::remove(clean.begin(), clean.end(), '\0'), clean.end());
  story_source out;
  std::string yaml;
  auto body_at = frontmatter_end(clean, yaml);
  if (body_at != std::string::npos) {
    out.title = title_in(yaml);
    out.body = clean.substr(body_at);
  } else {
    out.body = clean;
  }
  std::smatch m;
  static const std::regex heading("^#[ \\t]+(.{1,200}?)[ \\t]*$", std::regex::multiline);
  if (out.title.empty() && std::regex_search(out.body, m, heading)) out.title = trimmed(m[1]);
  if (out.title.empty()) out.title = fallback_title;
  return out;
}

} // namespace sdlc
