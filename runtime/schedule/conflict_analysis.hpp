#pragma once
// Which stories may conflict, pure: severity of the overlap of two stories'
// file sets as ai-sdlc defines it (the same file: high; the same directory:
// medium; else low), and the files a plan names before any code exists.
// Files in the repository's top directory do not make a "same directory"
// overlap: every story may touch the root.
#include <set>
#include <string>
#include <vector>

namespace sdlc {

enum class conflict_severity { none, low, medium, high };
const char* to_string(conflict_severity s);

struct story_files {
  std::string id;
  std::set<std::string> files; // changed on the branch, uncommitted, or predicted
};

struct story_conflict {
  std::string a, b;
  conflict_severity severity = conflict_severity::none;
  std::vector<std::string> shared;          // files (high) or directories (medium)
  std::vector<std::string> merge_conflicts; // from a dry-run merge, when both have branches
};

story_conflict classify(const story_files& a, const story_files& b);
// Every pair with at least one file known on each side, in input order.
// Without `with_low`, only the pairs sharing a file or a directory (medium,
// high): found through an index of files and directories, so a board whose
// stories name files costs its overlaps, not its n² pairs (issue 17: 2,000
// such stories made a million "low" pairs).
std::vector<story_conflict> pairwise(const std::vector<story_files>& stories, bool with_low = true);

// "S-0002 may conflict with S-0001 (shared: src/api/user.ts)"
std::string describe(const story_conflict& c);

// Paths named in a plan: `backticked` tokens that look like paths, and bare
// tokens with a directory and an extension (src/api/user.ts). URLs are not.
std::set<std::string> predicted_files(const std::string& plan_text);
// The text of `## Implementation Plan` in a story body ("" when none).
std::string plan_section(const std::string& body);

} // namespace sdlc
