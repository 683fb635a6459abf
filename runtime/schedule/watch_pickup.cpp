#include "runtime/schedule/watch_pickup.hpp"

#include <algorithm>

namespace sdlc {

std::vector<schedule_item> watch_pickup(const std::vector<schedule_item>& selected,
                                        const scheduler_core& core,
                                        const std::map<std::string, file_stamp>& ended_stamp,
                                        const std::map<std::string, file_stamp>& stamp_now) {
  std::vector<schedule_item> out;
  const auto& known = core.ids();
  for (const auto& item : selected) {
    if (std::find(known.begin(), known.end(), item.id) == known.end()) {
      out.push_back(item); // new to this run
      continue;
    }
    auto state = core.state_of(item.id);
    if (state == item_state::waiting || state == item_state::running || state == item_state::held)
      continue;
    auto ended = ended_stamp.find(item.id);
    auto now = stamp_now.find(item.id);
    if (ended == ended_stamp.end() || now == stamp_now.end()) continue;
    if (ended->second != now->second) out.push_back(item);
  }
  return out;
}

} // namespace sdlc
