#include "runtime/util/yaml_document.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <regex>
#include <set>

namespace sdlc {

namespace {

std::vector<std::string_view> split_lines_keep_eol(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    auto end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

void check_tabs(std::string_view text, const std::string& origin, std::size_t first_line) {
  auto lines = split_lines_keep_eol(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto line = lines[i];
    auto indent_end = line.find_first_not_of(" \t");
    if (indent_end == std::string_view::npos) continue;
    if (line.substr(0, indent_end).find('\t') != std::string_view::npos)
      throw bad_input(fmt::format("{}:{}: a tab is used for indentation; YAML allows only spaces "
                                  "there - replace the tab with spaces",
                                  origin, first_line + i));
  }
}

void check_duplicate_keys(const YAML::Node& node, const std::string& origin, std::size_t first_line,
                          const std::string& path) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      auto key = it->first.IsScalar() ? it->first.Scalar() : yaml::emit_value(it->first);
      auto child = path.empty() ? key : path + "." + key;
      if (!seen.insert(key).second)
        throw bad_input(fmt::format("{}:{}: duplicate key '{}'; keep one of them", origin,
                                    first_line + it->first.Mark().line, child));
      check_duplicate_keys(it->second, origin, first_line, child);
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const auto& child : node)
      check_duplicate_keys(child, origin, first_line, fmt::format("{}[{}]", path, i++));
  }
}

void emit_node(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Undefined:
  case YAML::NodeType::Null:
    out << YAML::Null;
    break;
  case YAML::NodeType::Scalar: {
    const auto& s = node.Scalar();
    if (node.Tag() == "!" && yaml::plain_is_typed(s))
      out << YAML::SingleQuoted << s;
    else
      out << s;
    break;
  }
  case YAML::NodeType::Sequence:
    if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& child : node)
      emit_node(out, child);
    out << YAML::EndSeq;
    break;
  case YAML::NodeType::Map:
    if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) out << YAML::Flow;
    out << YAML::BeginMap;
    for (auto it = node.begin(); it != node.end(); ++it) {
      out << YAML::Key;
      emit_node(out, it->first);
      out << YAML::Value;
      emit_node(out, it->second);
    }
    out << YAML::EndMap;
    break;
  }
}

// Whether emit_node must give `a` and `b` the same text: the same tree as it
// reads one (kind, scalar text, tag, flow or block, size). Proving that an
// entry is unchanged this way spares the two emits that compare it, most of
// a story update's render; anything else is still compared by its text.
bool emits_alike(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type() || a.Tag() != b.Tag()) return false;
  switch (a.Type()) {
  case YAML::NodeType::Scalar:
    return a.Scalar() == b.Scalar();
  case YAML::NodeType::Sequence:
  case YAML::NodeType::Map: {
    if (a.size() != b.size() || a.Style() != b.Style()) return false;
    const bool map = a.IsMap();
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (!map && !emits_alike(*ia, *ib)) return false;
      if (map && (!emits_alike(ia->first, ib->first) || !emits_alike(ia->second, ib->second)))
        return false;
    }
    return true;
  }
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    return true;
  }
  return false;
}

void configure(YAML::Emitter& out) {
  out.SetIndent(2);
  out.SetNullFormat(YAML::LowerNull);
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetBoolFormat(YAML::LowerCase);
}

} // namespace

yaml_document::yaml_document(const yaml_document& other)
    : root_(YAML::Clone(other.root_)), preamble_(other.preamble_), entries_(other.entries_),
      preserve_(other.preserve_), edited_(other.edited_) {
  if (keeps_original()) original_.reset(YAML::Clone(other.original_));
  reindex(); // the clone's nodes, not the original's
}

yaml_document& yaml_document::operator=(const yaml_document& other) {
  if (this != &other) {
    root_.reset(YAML::Clone(other.root_));
    preamble_ = other.preamble_;
    entries_ = other.entries_;
    preserve_ = other.preserve_;
    edited_ = other.edited_;
    original_.reset(keeps_original() ? YAML::Clone(other.original_) : YAML::Node());
    reindex();
  }
  return *this;
}

yaml_document& yaml_document::operator=(yaml_document&& other) noexcept {
  root_.reset(other.root_);
  original_.reset(other.original_);
  preamble_ = std::move(other.preamble_);
  entries_ = std::move(other.entries_);
  preserve_ = other.preserve_;
  edited_ = other.edited_;
  index_ = std::move(other.index_); // handles to the nodes now ours
  indexed_ = other.indexed_;
  other.indexed_ = false;
  return *this;
}

void yaml_document::keep_original() {
  if (!preserve_) return; // rendered whole: nothing to compare
  original_.reset(YAML::Clone(root_));
}

YAML::Node yaml_document::get(const std::string& key) const {
  if (!indexed_) return root_[key];
  for (const auto& [k, v] : index_)
    if (k == key) return v;
  return YAML::Node(YAML::NodeType::Undefined);
}

void yaml_document::reindex() {
  index_.clear();
  if (root_.IsMap())
    for (auto it = root_.begin(); it != root_.end(); ++it)
      if (it->first.IsScalar()) index_.emplace_back(it->first.Scalar(), it->second);
  indexed_ = true;
}

yaml_document yaml_document::parse(std::string text, const std::string& origin,
                                   std::size_t first_line) {
  check_tabs(text, origin, first_line);
  yaml_document doc;
  doc.root_.reset(yaml::load_bounded(text, origin, first_line));
  if (!doc.root_.IsDefined() || doc.root_.IsNull()) {
    doc.root_.reset(YAML::Node(YAML::NodeType::Map));
  } else if (!doc.root_.IsMap()) {
    throw bad_input(fmt::format("{}:{}: expected 'key: value' lines, found {}", origin, first_line,
                                yaml::kind_name(doc.root_)));
  }
  check_duplicate_keys(doc.root_, origin, first_line, "");
  doc.reindex();

  auto lines = split_lines_keep_eol(text);
  std::vector<std::size_t> starts;
  for (auto it = doc.root_.begin(); it != doc.root_.end(); ++it) {
    auto line = static_cast<std::size_t>(it->first.Mark().line);
    if ((!starts.empty() && line <= starts.back()) || line >= lines.size() ||
        doc.root_.Style() == YAML::EmitterStyle::Flow || it->first.Mark().column != 0) {
      doc.preserve_ = false;
      break;
    }
    starts.push_back(line);
  }
  if (!doc.preserve_) return doc;
  auto join = [&](std::size_t from, std::size_t to) {
    std::string s;
    for (auto i = from; i < to; ++i)
      s += lines[i];
    return s;
  };
  doc.preamble_ = join(0, starts.empty() ? lines.size() : starts.front());
  std::size_t i = 0;
  for (auto it = doc.root_.begin(); it != doc.root_.end(); ++it, ++i) {
    auto end = i + 1 < starts.size() ? starts[i + 1] : lines.size();
    doc.entries_.push_back({it->first.Scalar(), join(starts[i], end)});
  }
  return doc;
}

std::string yaml_document::render() const {
  if (!preserve_) {
    std::string out;
    for (auto it = root_.begin(); it != root_.end(); ++it)
      out += yaml::emit_entry(it->first.Scalar(), it->second);
    return out;
  }
  if (!edited_) { // what the loop below would give, entry by entry
    std::string source = preamble_;
    for (const auto& e : entries_)
      source += e.raw;
    return source;
  }
  // Each entry's value as read (root() kept a copy before the first change),
  // by key: YAML::Node::operator[] would decode every key it passes.
  std::vector<std::pair<std::string, YAML::Node>> before;
  for (auto it = original_.begin(); it != original_.end(); ++it)
    before.emplace_back(it->first.Scalar(), it->second);
  std::string out = preamble_;
  for (auto it = root_.begin(); it != root_.end(); ++it) {
    const auto key = it->first.Scalar();
    const entry* original = nullptr;
    for (const auto& e : entries_)
      if (e.key == key) original = &e;
    const YAML::Node* was = nullptr;
    for (const auto& [k, v] : before)
      if (k == key) was = &v;
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (original && was &&
        (emits_alike(*was, it->second) || yaml::emit_value(*was) == yaml::emit_value(it->second)))
      out += original->raw;
    else
      out += yaml::emit_entry(key, it->second);
  }
  return out;
}

namespace yaml {

void require_bounded(const YAML::Node& node, const std::string& origin, std::size_t limit) {
  // An explicit stack: deep nesting must not overflow ours either.
  std::vector<YAML::Node> todo{node};
  std::size_t seen = 0;
  while (!todo.empty()) {
    YAML::Node n;
    n.reset(todo.back());
    todo.pop_back();
    if (++seen > limit)
      throw bad_input(fmt::format("{}: the YAML expands to more than {} values (nested aliases "
                                  "such as `*a` repeated in lists?); write the values out or "
                                  "remove the aliases",
                                  origin, limit));
    if (n.IsMap())
      for (auto it = n.begin(); it != n.end(); ++it) {
        todo.push_back(it->first);
        todo.push_back(it->second);
      }
    else if (n.IsSequence())
      for (const auto& child : n)
        todo.push_back(child);
  }
}

YAML::Node load_bounded(const std::string& text, const std::string& origin,
                        std::size_t first_line) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw bad_input(fmt::format("{}:{}:{}: invalid YAML: {}", origin, first_line + e.mark.line,
                                e.mark.column + 1, e.msg));
  }
  require_bounded(node, origin);
  return node;
}

YAML::Node string(const std::string& value) {
  YAML::Node n(value);
  n.SetTag("!");
  return n;
}

std::string emit_entry(const std::string& key, const YAML::Node& value) {
  YAML::Emitter out;
  configure(out);
  out << YAML::BeginMap << YAML::Key << key << YAML::Value;
  emit_node(out, value);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string emit_value(const YAML::Node& value) {
  YAML::Emitter out;
  configure(out);
  emit_node(out, value);
  return out.c_str();
}

std::string kind_name(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a map";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    return "nothing (null)";
  case YAML::NodeType::Scalar:
    if (is_bool(node)) return fmt::format("the boolean {}", node.Scalar());
    if (is_number(node)) return fmt::format("the number {}", node.Scalar());
    return fmt::format("the string '{}'", node.Scalar());
  }
  return "something else";
}

bool plain_is_typed(const std::string& s) {
  static const std::regex typed(
      R"(^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$)"
      R"(|^[-+]?(0|[1-9][0-9_]*)$|^0[xob][0-9a-fA-F_]+$|^0[0-7]+$)"
      R"(|^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$)"
      R"(|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)"
      R"(|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$)");
  return s.empty() || std::regex_match(s, typed);
}

namespace {
bool plain(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() != "!";
}
} // namespace

// These three are asked of every value of every story a scan reads:
// std::regex made them a tenth of `status` on a big board, so they are
// written out (the patterns are in the comments).

// ^(true|True|TRUE|false|False|FALSE)$
bool is_bool(const YAML::Node& node) {
  if (!plain(node)) return false;
  const auto& s = node.Scalar();
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

namespace {
std::size_t skip_digits(const std::string& s, std::size_t i) {
  while (i < s.size() && s[i] >= '0' && s[i] <= '9')
    ++i;
  return i;
}
std::size_t skip_sign(const std::string& s, std::size_t i) {
  return i < s.size() && (s[i] == '-' || s[i] == '+') ? i + 1 : i;
}
} // namespace

// ^[-+]?[0-9]+$
bool is_int(const YAML::Node& node) {
  if (!plain(node)) return false;
  const auto& s = node.Scalar();
  auto from = skip_sign(s, 0);
  auto to = skip_digits(s, from);
  return to > from && to == s.size();
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool is_number(const YAML::Node& node) {
  if (!plain(node)) return false;
  const auto& s = node.Scalar();
  auto i = skip_sign(s, 0);
  if (i < s.size() && s[i] == '.') {
    auto to = skip_digits(s, i + 1);
    if (to == i + 1) return false;
    i = to;
  } else {
    auto to = skip_digits(s, i);
    if (to == i) return false;
    i = to;
    if (i < s.size() && s[i] == '.') i = skip_digits(s, i + 1);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    auto from = skip_sign(s, i + 1);
    auto to = skip_digits(s, from);
    if (to == from) return false;
    i = to;
  }
  return i == s.size();
}

bool is_string(const YAML::Node& node) {
  if (!node.IsScalar()) return false;
  if (node.Tag() == "!") return true;
  static const std::regex re("^(~|null|Null|NULL)$");
  return !is_bool(node) && !is_number(node) && !std::regex_match(node.Scalar(), re);
}

} // namespace yaml
} // namespace sdlc
