#pragma once
// GitHub through Debian's `gh`, as ai-sdlc talks to it (src/services/gh-cli):
// a call is `gh` with arguments in the project's folder, never a shell line.
// What every caller needs the same way lives here: a missing `gh` and a `gh`
// that is not logged in are errors that say what to do (`gh auth login`).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

struct gh_reply {
  int exit_code = 0;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
  std::string said() const; // stderr, else stdout, trimmed: for error messages
};

// Runs `gh <args>`; a non-zero exit is a reply, not an error. Throws
// sdlc::error when gh is not installed, not logged in, or outlives `timeout`.
gh_reply run_gh(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Whether what gh printed says it has no login (checked on every reply).
bool gh_says_not_logged_in(const std::string& text);

} // namespace sdlc
