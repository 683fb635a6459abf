#pragma once
// A string kept once per process and named by a pointer: for the few
// distinct texts repeated across a whole board, like frontmatter keys. A
// 100,000-story board holds 1.3 million keys; as strings they were 32 bytes
// each plus a heap block for any longer than 15 characters.
//
// Interned texts are never freed: only use this for texts drawn from a small
// set, never for values.
#include <string>
#include <string_view>

namespace sdlc {

class interned_string {
public:
  interned_string(); // ""
  // Not explicit: a key is written where a string would be.
  interned_string(std::string_view text);
  interned_string(const std::string& text) : interned_string(std::string_view(text)) {}
  interned_string(const char* text) : interned_string(std::string_view(text)) {}

  const std::string& str() const { return *text_; }

  // The same text is the same pointer: equality is one compare.
  friend bool operator==(interned_string a, interned_string b) { return a.text_ == b.text_; }
  friend bool operator!=(interned_string a, interned_string b) { return a.text_ != b.text_; }
  // Ordered by text, as the strings were.
  friend bool operator<(interned_string a, interned_string b) { return *a.text_ < *b.text_; }

private:
  const std::string* text_;
};

} // namespace sdlc
