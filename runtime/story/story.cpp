#include "runtime/story/story.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sdlc {

namespace {

bool is_delimiter(std::string_view line) {
  // The delimiter line is "---", tolerating a CR and trailing blanks.
  while (!line.empty() &&
         (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  return line == "---";
}

const char* status_names[] = {"backlog", "ready", "in-progress", "done", "blocked"};

const std::vector<std::string> flag_keys = {"research_complete", "plan_complete",
                                            "implementation_complete", "reviews_complete"};

} // namespace

std::string_view to_string(story_status s) {
  return status_names[static_cast<int>(s)];
}

std::optional<story_status> parse_status(std::string_view s) {
  for (int i = 0; i < 5; ++i)
    if (s == status_names[i]) return static_cast<story_status>(i);
  return std::nullopt;
}

const std::vector<story_status>& all_statuses() {
  static const std::vector<story_status> all = {story_status::backlog, story_status::ready,
                                                story_status::in_progress, story_status::done,
                                                story_status::blocked};
  return all;
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string slugify(std::string_view title) {
  std::string out;
  bool dash = false;
  for (char c : title) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(u));
      dash = false;
    } else {
      dash = true;
    }
  }
  if (out.size() > 60) {
    out.resize(60);
    while (!out.empty() && out.back() == '-')
      out.pop_back();
  }
  return out.empty() ? "story" : out;
}

story story::load(const std::filesystem::path& file) {
  return parse(fs::read_file(file, max_story_bytes), file);
}

story story::parse(std::string text, const std::filesystem::path& file) {
  const auto origin = file.string();
  if (text.size() > max_story_bytes)
    throw bad_input(fmt::format("{} is larger than the {} MiB limit for a story", origin,
                                max_story_bytes >> 20));
  if (auto bad = fs::find_invalid_utf8(text))
    throw bad_input(fmt::format("{}:{}: invalid UTF-8 (byte offset {}); save the file as UTF-8",
                                origin, fs::line_of_offset(text, *bad), *bad));
  story s;
  s.file_ = file.native();
  s.text_ = copyable_ptr<full_text>(std::make_unique<full_text>());
  auto& t = *s.text_;
  std::size_t pos = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3; // a BOM stays part of the opening line
  auto first_nl = text.find('\n', pos);
  auto first_line =
      std::string_view(text).substr(0, first_nl == std::string::npos ? text.size() : first_nl + 1);
  if (!is_delimiter(first_line.substr(pos)))
    throw bad_input(fmt::format("{}:1: a story starts with a '---' line, then 'key: value' "
                                "frontmatter, then another '---' line; this one does not",
                                origin));
  t.open = std::string(first_line);
  std::size_t line_start = t.open.size();
  std::size_t close_start = std::string::npos;
  while (line_start < text.size()) {
    auto nl = text.find('\n', line_start);
    auto end = nl == std::string::npos ? text.size() : nl + 1;
    if (is_delimiter(std::string_view(text).substr(line_start, end - line_start))) {
      close_start = line_start;
      t.close = text.substr(line_start, end - line_start);
      break;
    }
    line_start = end;
  }
  if (close_start == std::string::npos)
    throw bad_input(fmt::format("{}: the frontmatter opened on line 1 is never closed; add a '---' "
                                "line after the last 'key: value' line",
                                origin));
  t.fm = yaml_document::parse(text.substr(t.open.size(), close_start - t.open.size()), origin, 2);
  t.body = text.substr(close_start + t.close.size());
  s.validate();
  return s;
}

void story::validate() const {
  const auto origin = file_;
  auto line_of = [&](const std::string& key) { return text_->fm.get(key).Mark().line + 2; };
  auto require_string = [&](const std::string& key) {
    auto n = text_->fm.get(key);
    if (!n.IsDefined())
      throw bad_input(
          fmt::format("{}: the frontmatter has no '{}'; add '{}: ...'", origin, key, key));
    if (!n.IsScalar() || n.Scalar().empty())
      throw bad_input(fmt::format("{}:{}: '{}' must be a non-empty string, found {}", origin,
                                  line_of(key), key, yaml::kind_name(n)));
  };
  require_string("id");
  if (!is_safe_name(id()))
    throw bad_input(fmt::format("{}:{}: id '{}' may contain only letters, digits, '-', '_' and '.'",
                                origin, line_of("id"), id()));
  if (has("slug") && !is_safe_name(slug()))
    throw bad_input(fmt::format("{}:{}: slug '{}' may contain only letters, digits, '-', '_' "
                                "and '.'",
                                origin, line_of("slug"), slug()));
  require_string("title");
  require_string("status");
  if (!parse_status(str("status")))
    throw bad_input(fmt::format("{}:{}: status '{}' is not one of backlog, ready, in-progress, "
                                "done, blocked",
                                origin, line_of("status"), str("status")));
  if (auto p = text_->fm.get("priority"); p.IsDefined() && !p.IsNull() && !yaml::is_number(p))
    throw bad_input(fmt::format("{}:{}: priority must be a number (lower runs first), found {}",
                                origin, line_of("priority"), yaml::kind_name(p)));
  for (const auto& key : flag_keys)
    if (auto f = text_->fm.get(key); f.IsDefined() && !f.IsNull() && !yaml::is_bool(f))
      throw bad_input(fmt::format("{}:{}: '{}' must be true or false, found {}", origin,
                                  line_of(key), key, yaml::kind_name(f)));
  for (const auto& key : {"dependencies", "depends_on", "labels"}) {
    auto n = text_->fm.get(key);
    if (!n.IsDefined() || n.IsNull()) continue;
    if (!n.IsSequence())
      throw bad_input(fmt::format("{}:{}: '{}' must be a list, found {}", origin, line_of(key), key,
                                  yaml::kind_name(n)));
    for (const auto& item : n)
      if (!item.IsScalar())
        throw bad_input(fmt::format("{}:{}: '{}' must list plain values, found {}", origin,
                                    item.Mark().line + 2, key, yaml::kind_name(item)));
  }
  for (const auto& dep : dependencies())
    if (!is_safe_name(dep))
      throw bad_input(fmt::format("{}: dependency '{}' is not a valid story id", origin, dep));
}

story story::from_fields(const std::filesystem::path& file, frontmatter_fields fields,
                         std::string last_review_decision) {
  story s;
  s.file_ = file.native();
  s.fields_ = std::move(fields);
  s.last_review_decision_ = std::move(last_review_decision);
  s.summary_id_ = field(s.fields_, "id").scalar;
  s.summary_status_ =
      parse_status(field(s.fields_, "status").scalar).value_or(story_status::backlog);
  return s;
}

frontmatter_fields story::fields() const {
  if (!text_) return fields_;
  frontmatter_fields out;
  const auto& root = text_->fm.root();
  if (root.IsMap())
    for (auto it = root.begin(); it != root.end(); ++it)
      if (it->first.IsScalar()) out.emplace_back(it->first.Scalar(), value_of(it->second));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // A repeated key is refused when parsing; after edits the first one counts.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            out.end());
  return out;
}

const frontmatter_fields& story::summary_fields() const {
  if (text_) throw std::logic_error(file_ + ": summary_fields of a full story");
  return fields_;
}

const std::string& story::summary_review_decision() const {
  if (text_) throw std::logic_error(file_ + ": summary_review_decision of a full story");
  return last_review_decision_;
}

story story::summary() const {
  return from_fields(file_, fields(), last_review_decision());
}

void story::require_full() const {
  if (!text_)
    throw std::logic_error(fmt::format("{}: the story was read as a summary (board scan); load "
                                       "it to read its YAML or body, or to change it",
                                       file_));
}

std::string story::last_review_decision() const {
  if (!text_) return last_review_decision_;
  const auto history = text_->fm.get("review_history");
  if (history.IsDefined() && history.IsSequence() && history.size() > 0) {
    const auto& last = history[history.size() - 1];
    if (last.IsMap() && last["decision"].IsDefined() && last["decision"].IsScalar())
      return last["decision"].Scalar();
  }
  return {};
}

// A summary answers from its fields without copying a value; a full story
// works the value out of its YAML.
template <class F> auto story::read(const std::string& key, F&& f) const {
  if (!text_) return f(field(fields_, key));
  return f(value_of(text_->fm.get(key)));
}

story_status story::status() const {
  if (!text_) return summary_status_;
  return parse_status(str("status")).value_or(story_status::backlog);
}

long story::priority() const {
  // validate() refused any other priority than none or a plain number.
  return read("priority", [](const frontmatter_value& v) {
    return v.is_number ? static_cast<long>(v.number) : std::numeric_limits<long>::max();
  });
}

std::vector<std::string> story::dependencies() const {
  std::vector<std::string> out;
  for (const auto& key : {"dependencies", "depends_on"})
    for (const auto& d : list(key))
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

frontmatter_value story::value(const std::string& key) const {
  return read(key, [](const frontmatter_value& v) { return v; });
}

bool story::flag(const std::string& key) const {
  return read(key, [](const frontmatter_value& v) { return v.is_bool && v.bool_value; });
}

std::string story::str(const std::string& key) const {
  return read(key, [](const frontmatter_value& v) { return v.scalar; });
}

std::vector<std::string> story::list(const std::string& key) const {
  return read(key, [](const frontmatter_value& v) { return v.items(); });
}

long story::number(const std::string& key, long fallback) const {
  return read(key, [fallback](const frontmatter_value& v) {
    return v.is_number ? static_cast<long>(v.number) : fallback;
  });
}

void story::set_string(const std::string& key, const std::string& value) {
  require_full();
  text_->fm.root()[key] = yaml::string(value);
  text_->fm.reindex();
}
void story::set_bool(const std::string& key, bool value) {
  require_full();
  text_->fm.root()[key] = value;
  text_->fm.reindex();
}
void story::set_number(const std::string& key, long value) {
  require_full();
  text_->fm.root()[key] = value;
  text_->fm.reindex();
}
void story::set_status(story_status s) {
  set_string("status", std::string(to_string(s)));
}
void story::erase(const std::string& key) {
  require_full();
  text_->fm.root().remove(key);
  text_->fm.reindex();
}

std::string story::render() const {
  require_full();
  return text_->open + text_->fm.render() + text_->close + text_->body;
}

} // namespace sdlc
