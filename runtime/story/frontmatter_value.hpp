#pragma once
// One top-level frontmatter value as the story's readers see it (a string, a
// flag, a number, a list of plain values), without a YAML tree. A board scan
// keeps these instead of each story's YAML: holding 10,000 parsed trees was
// most of `status`'s memory, and the board index stores them so that an
// unchanged story need not be parsed at all.
#include "runtime/util/copyable_ptr.hpp"
#include "runtime/util/interned_string.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace sdlc {

// 56 bytes: a scan holds a dozen per story. A sequence's items live out of
// line, since most values are plain scalars.
struct frontmatter_value {
  enum class kind : std::uint8_t { absent, null, scalar, sequence, map };
  kind k = kind::absent;
  bool is_bool = false;    // a plain true/false
  bool bool_value = false; //   ... and which
  bool is_number = false;  // a plain number
  double number = 0;       //   ... and its value
  std::string scalar;      // kind::scalar: its text

  // kind::sequence: its plain items, in order (none for any other kind).
  const std::vector<std::string>& items() const;
  void add_item(std::string item);
  void reserve_items(std::size_t n);

  bool operator==(const frontmatter_value& o) const;

private:
  std::vector<std::string>& item_storage();
  copyable_ptr<std::vector<std::string>> items_; // none while there are no items
};

// What `node` (a top-level value) reads as; kind::absent when undefined.
frontmatter_value value_of(const YAML::Node& node);

// Every top-level key of a story's frontmatter, sorted by key. Keys are
// interned: a board repeats the same dozen keys in every story.
using frontmatter_fields = std::vector<std::pair<interned_string, frontmatter_value>>;

const frontmatter_value& field(const frontmatter_fields& fields, const std::string& key);

} // namespace sdlc
