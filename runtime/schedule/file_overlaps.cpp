#include "runtime/schedule/file_overlaps.hpp"

namespace sdlc {

file_overlaps::file_overlaps(const std::vector<story_files>& stories) {
  for (const auto& s : stories)
    update(s);
}

void file_overlaps::update(const story_files& files) {
  auto& mine = files_[files.id];
  for (const auto& f : mine)
    if (auto it = touched_by_.find(f); it != touched_by_.end()) {
      it->second.erase(files.id);
      if (it->second.empty()) touched_by_.erase(it);
    }
  mine = files.files;
  for (const auto& f : mine)
    touched_by_[f].insert(files.id);
}

std::map<std::string, std::vector<std::string>>
file_overlaps::sharing(const std::string& id) const {
  std::map<std::string, std::vector<std::string>> out;
  auto mine = files_.find(id);
  if (mine == files_.end()) return out;
  for (const auto& f : mine->second) // in order: each list comes out sorted
    for (const auto& other : touched_by_.at(f))
      if (other != id) out[other].push_back(f);
  return out;
}

} // namespace sdlc
