#include "runtime/schedule/run_rivals.hpp"

namespace sdlc {

std::map<std::string, std::vector<std::string>> run_rivals(const file_overlaps& overlaps,
                                                           dependency_reach& depends,
                                                           const scheduler_core& core,
                                                           const std::string& id) {
  auto rivals = overlaps.sharing(id);
  for (auto it = rivals.begin(); it != rivals.end();) {
    const auto& other = it->first;
    bool rival = core.contains(other) && core.state_of(other) != item_state::done &&
                 !depends.related(id, other);
    it = rival ? std::next(it) : rivals.erase(it);
  }
  return rivals;
}

} // namespace sdlc
