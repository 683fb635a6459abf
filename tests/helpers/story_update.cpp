// Test helper: `story_update <project> <story-id> <key-prefix> <count>` applies
// `count` read-modify-write updates, each setting <key-prefix> to its counter
// value through board::update (story lock + atomic write). Used to prove that
// concurrent writers lose nothing.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: story_update <project> <story-id> <key> <count>\n");
    return 2;
  }
  try {
    std::filesystem::path root = argv[1];
    sdlc::board b(root, sdlc::load_config(root, sdlc::current_environment()));
    std::string key = argv[3];
    long count = std::stol(argv[4]);
    for (long i = 1; i <= count; ++i)
      b.update(argv[2], [&](sdlc::story& s) {
        // Read-modify-write: the new value depends on the value just read.
        s.set_number(key, s.number(key, 0) + 1);
      });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "story_update: %s\n", e.what());
    return 1;
  }
  return 0;
}
