#pragma once
// Which stories touch the same file — conflict_analysis's high-severity
// overlap — through an index from each file to the stories touching it, so
// that re-checking a story whose branch just changed costs the stories that
// share its files, not the board (issue 17: a 10,000-story run re-checks
// after every implement).
#include "runtime/schedule/conflict_analysis.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sdlc {

class file_overlaps {
public:
  explicit file_overlaps(const std::vector<story_files>& stories);
  // What `files.id` touches now (a story not seen before is added).
  void update(const story_files& files);
  // Every other story sharing a file with `id`, with the shared files in
  // order — what classify() reports as high for that pair.
  std::map<std::string, std::vector<std::string>> sharing(const std::string& id) const;

private:
  std::map<std::string, std::set<std::string>> files_;      // story -> files
  std::map<std::string, std::set<std::string>> touched_by_; // file -> stories
};

} // namespace sdlc
