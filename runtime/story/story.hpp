#pragma once
// One story file: YAML frontmatter between the first two `---` lines, then a
// markdown body. Parsing validates the fields ai-sdlc gives meaning to; every
// other key is kept as it was. render() changes only the frontmatter entries
// that were changed and leaves the body byte-identical.
#include "runtime/story/frontmatter_value.hpp"
#include "runtime/util/copyable_ptr.hpp"
#include "runtime/util/yaml_document.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdlc {

enum class story_status { backlog, ready, in_progress, done, blocked };

std::string_view to_string(story_status s);
std::optional<story_status> parse_status(std::string_view s);
const std::vector<story_status>& all_statuses();

// Stories larger than this are refused: a board file that big is a mistake
// (and would make every scan slow), not a story.
constexpr std::size_t max_story_bytes = 8u << 20;

class story {
public:
  // Reads and validates a story file. Throws sdlc::error (bad_input) naming the
  // file, the line and the key.
  static story load(const std::filesystem::path& file);
  static story parse(std::string text, const std::filesystem::path& file);
  // A story of `file` known only by its frontmatter values (read from the
  // board index): the accessors below work, the YAML and the body do not.
  static story from_fields(const std::filesystem::path& file, frontmatter_fields fields,
                           std::string last_review_decision);

  // This story without its YAML tree and body: what a board scan keeps of
  // each story (a 10,000-story board's trees were 200 MB). Reading the
  // frontmatter, the body or writing needs a full story (story::load).
  story summary() const;
  bool is_summary() const { return !text_; }
  // Every top-level value, by key (a full story works them out).
  frontmatter_fields fields() const;
  // A summary's values and decision without a copy (the board index writes
  // them for every story). Only for summaries: throws std::logic_error.
  const frontmatter_fields& summary_fields() const;
  const std::string& summary_review_decision() const;

  // Kept as text: libstdc++ keeps a path as a list of its components, ~440
  // bytes for a story file, and a scan holds one story per file.
  std::filesystem::path file() const { return file_; }
  const std::string& file_text() const { return file_; }
  std::filesystem::path dir() const { return file().parent_path(); }

  std::string id() const { return text_ ? str("id") : summary_id_; }
  std::string title() const { return str("title"); }
  std::string slug() const { return str("slug"); }
  std::string type() const { return str("type"); }
  story_status status() const;
  // Lower runs first, as in ai-sdlc. Missing means last.
  long priority() const;
  std::vector<std::string> labels() const { return list("labels"); }
  // `dependencies` and `depends_on` together, in order, without repeats.
  std::vector<std::string> dependencies() const;
  bool flag(const std::string& key) const; // research_complete, ...
  // The `decision` of the last review_history entry ("" when none).
  std::string last_review_decision() const;

  std::string str(const std::string& key) const;
  std::vector<std::string> list(const std::string& key) const;
  long number(const std::string& key, long fallback) const;
  bool has(const std::string& key) const { return value(key).k != frontmatter_value::kind::absent; }
  frontmatter_value value(const std::string& key) const;

  // The whole frontmatter, for keys that have no accessor. Mutations show in render().
  YAML::Node& frontmatter() {
    require_full();
    return text_->fm.root();
  }
  const YAML::Node& frontmatter() const {
    require_full();
    return text_->fm.root();
  }

  void set_string(const std::string& key, const std::string& value);
  void set_bool(const std::string& key, bool value);
  void set_number(const std::string& key, long value);
  void set_status(story_status s);
  void erase(const std::string& key);

  const std::string& body() const {
    require_full();
    return text_->body;
  }
  void set_body(std::string body) {
    require_full();
    text_->body = std::move(body);
  }

  // The file as it would be written now.
  std::string render() const;

private:
  void validate() const;
  // A summary has no YAML or body to give: asking is a bug in the caller
  // (it should have loaded the story), never something to paper over.
  void require_full() const;
  template <class F> auto read(const std::string& key, F&& f) const;

  // What only a full story has: the file as read. A summary has none, and a
  // scan holds 100,000 summaries; kept inline, these were two thirds of one.
  struct full_text {
    std::string open;  // the opening `---` line, exactly as read
    std::string close; // the closing `---` line, exactly as read
    yaml_document fm;
    std::string body;
  };

  std::string file_;
  copyable_ptr<full_text> text_;     // none: a summary
  frontmatter_fields fields_;        // a summary's values
  std::string last_review_decision_; // a summary's
  // A summary never changes, and planning a 100,000-story board asks each
  // one its id and status several times: a lookup by key each was a tenth
  // of the dry run.
  std::string summary_id_;
  story_status summary_status_ = story_status::backlog;
};

// Ids and slugs name folders: refuse anything that could leave the board.
bool is_safe_name(std::string_view name);

// "Add user login!" -> "add-user-login"
std::string slugify(std::string_view title);

} // namespace sdlc
