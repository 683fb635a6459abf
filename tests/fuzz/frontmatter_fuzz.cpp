// libFuzzer target: a story file (frontmatter + body). Any input either parses
// or throws sdlc::error; a parsed story re-renders and parses again.
#include "runtime/story/story.hpp"
#include "runtime/util/error.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto s = sdlc::story::parse(text, "fuzz/story.md");
    auto again = sdlc::story::parse(s.render(), "fuzz/story.md");
    (void)again.id();
  } catch (const sdlc::error&) {
  }
  return 0;
}
