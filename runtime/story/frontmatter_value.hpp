#pragma once
// One top-level frontmatter value as the story's readers see it (a string, a
// flag, a number, a list of plain values), without a YAML tree. A board scan
// keeps these instead of each story's YAML: holding 10,000 parsed trees was
// most of `status`'s memory, and the board index stores them so that an
// unchanged story need not be parsed at all.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace sdlc {

struct frontmatter_value {
  enum class kind : std::uint8_t { absent, null, scalar, sequence, map };
  kind k = kind::absent;
  std::string scalar;             // kind::scalar: its text
  bool is_bool = false;           // a plain true/false
  bool bool_value = false;        //   ... and which
  bool is_number = false;         // a plain number
  double number = 0;              //   ... and its value
  std::vector<std::string> items; // kind::sequence: its plain items, in order

  bool operator==(const frontmatter_value& o) const;
};

// What `node` (a top-level value) reads as; kind::absent when undefined.
frontmatter_value value_of(const YAML::Node& node);

// Every top-level key of a story's frontmatter, sorted by key.
using frontmatter_fields = std::vector<std::pair<std::string, frontmatter_value>>;

const frontmatter_value& field(const frontmatter_fields& fields, const std::string& key);

} // namespace sdlc
