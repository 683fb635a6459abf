#pragma once
// Which of a run's stories may not run beside `id`, its files being as
// `overlaps` has them now (the others' as last seen): the run's unfinished
// stories that share one of its files, each with the files shared. A pair
// where one depends on the other never runs at once anyway and is left
// out. Costs the stories sharing its files, not the board.
#include "runtime/schedule/dependency_reach.hpp"
#include "runtime/schedule/file_overlaps.hpp"
#include "runtime/schedule/scheduler_core.hpp"

#include <map>
#include <string>
#include <vector>

namespace sdlc {

std::map<std::string, std::vector<std::string>> run_rivals(const file_overlaps& overlaps,
                                                           dependency_reach& depends,
                                                           const scheduler_core& core,
                                                           const std::string& id);

} // namespace sdlc
