#pragma once
// A YAML mapping that can be edited and written back changing only what
// changed. yaml-cpp cannot round-trip formatting, so we keep the source text of
// every top-level entry and re-emit only the entries whose value differs; the
// rest (comments, quoting, folding, key order) stays byte-identical.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <vector>

namespace sdlc {

class yaml_document {
public:
  // YAML::Node has reference semantics and its assignment rebinds the *shared*
  // node; a document copy must be deep and an assignment must rebind only us.
  yaml_document() = default;
  yaml_document(const yaml_document& other);
  yaml_document(yaml_document&& other) noexcept = default;
  yaml_document& operator=(const yaml_document& other);
  yaml_document& operator=(yaml_document&& other) noexcept;
  ~yaml_document() = default;

  // Parses `text`, which must be a block mapping (or empty). `origin` names the
  // file in error messages; `first_line` is the 1-based line of `text` in it.
  static yaml_document parse(std::string text, const std::string& origin,
                             std::size_t first_line = 1);

  // The mapping. Mutate freely; render() works out what changed. Taking it
  // mutable drops the key index until reindex(), and is what tells render()
  // that something may have changed: change values through root() only
  // (get() is for reading).
  YAML::Node& root() {
    if (!edited_) keep_original();
    indexed_ = false;
    edited_ = true;
    return root_;
  }
  const YAML::Node& root() const { return root_; }

  // The value of top-level `key`, undefined when absent. YAML::Node's
  // operator[] decodes every key it passes into a new string; this looks in
  // an index of the top-level keys (built on parse, copy and reindex()) —
  // map lookups were a fifth of `status` on a 10,000-story board.
  YAML::Node get(const std::string& key) const;
  void reindex();

  std::string render() const;

private:
  // What each entry was is worked out only when rendering: a board of 10,000
  // stories is read far more often than it is written, and emitting every
  // value at load time was a sixth of `status`.
  struct entry {
    std::string key;
    std::string raw; // source text of `key: value`, with its trailing newline
  };
  // What each entry was, for render() to compare with: a copy of the tree
  // taken before its first change (copying it is a fraction of parsing the
  // source again, which was most of a story update's render).
  void keep_original();
  // original_ holds that copy exactly when the tree was taken mutably and
  // render() compares entry by entry.
  bool keeps_original() const { return edited_ && preserve_; }
  YAML::Node root_;
  YAML::Node original_;
  std::string preamble_; // comments before the first key
  std::vector<entry> entries_;
  bool preserve_ = true; // false for flow-style maps we cannot split by line
  std::vector<std::pair<std::string, YAML::Node>> index_;
  bool indexed_ = false;
  // root() was handed out mutably since parse(). An unedited document renders
  // as its source without parsing it again (a story is rendered before each
  // update to see whether the update changed it).
  bool edited_ = false;
};

namespace yaml {

// The most values one document may hold, counting each alias as often as it
// is used: a ~500-byte file of nested aliases (each anchor a list of ten
// aliases of the previous one) otherwise expands to 10^depth values and hangs
// every walk over it (duplicate keys, validation, emitting, cloning).
constexpr std::size_t max_values = 100000;

// Throws bad_input naming `origin` when `node` expands to more than
// `limit` values; call it before any other walk over a loaded document.
void require_bounded(const YAML::Node& node, const std::string& origin,
                     std::size_t limit = max_values);

// YAML::Load and require_bounded, with parse errors as bad_input naming
// `origin`, line and column (`first_line`: the text's first line in the file).
YAML::Node load_bounded(const std::string& text, const std::string& origin,
                        std::size_t first_line = 1);

// A scalar node that must read back as a string (quoted where plain would read
// as a number, bool, null or date — matters to ai-sdlc's js-yaml reader).
YAML::Node string(const std::string& value);

// `key: value` lines for one entry, in the board's style (2-space indent,
// block sequences, lowercase null).
std::string emit_entry(const std::string& key, const YAML::Node& value);
std::string emit_value(const YAML::Node& value);

// Human name of a node's kind for error messages ("a list", "a string", ...).
std::string kind_name(const YAML::Node& node);

// Whether a plain (unquoted) scalar with this text resolves to something other
// than a string in YAML 1.2's core schema or as a date.
bool plain_is_typed(const std::string& text);

bool is_bool(const YAML::Node& node);
bool is_int(const YAML::Node& node);
bool is_number(const YAML::Node& node);
bool is_string(const YAML::Node& node); // a scalar that does not read as number/bool/null

} // namespace yaml
} // namespace sdlc
