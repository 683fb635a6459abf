#pragma once
// run --watch: what a run that stays up takes from the board on each look.
#include "runtime/schedule/scheduler_core.hpp"

#include <map>
#include <string>
#include <vector>

namespace sdlc {

// A story file as last seen: changes when anyone writes it (mtime and size).
using file_stamp = std::string;

// Of the stories the run's selection takes now (`selected`, from
// make_run_plan on the current board): those the run does not have yet
// (added while it runs), and those that ended in this run — done, failed or
// blocked — whose file changed since they ended (`ended_stamp` vs
// `stamp_now`): unblocked, set back to ready, edited. A story that failed and
// was not touched is not retried every look; one running or held is left alone.
std::vector<schedule_item> watch_pickup(const std::vector<schedule_item>& selected,
                                        const scheduler_core& core,
                                        const std::map<std::string, file_stamp>& ended_stamp,
                                        const std::map<std::string, file_stamp>& stamp_now);

} // namespace sdlc
