#include "runtime/land/land_stories.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

#include <thread>

namespace sdlc {

namespace {

// What waits to land: the named stories, or every done one with a branch.
std::vector<story> candidates(const board& b, const land_options& o) {
  std::vector<story> out;
  if (!o.ids.empty()) {
    for (const auto& id : o.ids) {
      auto s = b.find(id);
      if (s.status() != story_status::done)
        throw bad_input(fmt::format("{} is {}: only done stories land (`run --auto --story {}` "
                                    "finishes it)",
                                    s.id(), s.str("status"), s.id()));
      if (s.str("branch").empty())
        throw bad_input(fmt::format("{} has no branch to land (it ran in the main checkout, "
                                    "where its work already is)",
                                    s.id()));
      if (has_landed(s))
        throw bad_input(fmt::format("{} landed already ({} at {})", s.id(),
                                    s.str("merge_sha").substr(0, 8), s.str("merged_at")));
      out.push_back(std::move(s));
    }
    return out;
  }
  // Full stories: a pull request's text comes from the body.
  for (auto& s : b.scan(scan_depth::full).stories)
    if (s.status() == story_status::done && !s.str("branch").empty() && !has_landed(s))
      out.push_back(std::move(s));
  return out;
}

} // namespace

land_report land_stories(board& b, const land_options& o, std::ostream& out) {
  auto lane = open_lane(b, o.dry_run);
  land_report report;
  report.base = lane->base();
  report.pull_requests = lane->opens_pull_requests();
  for (const auto& n : lane->notes())
    out << n << "\n";
  for (const auto& s : candidates(b, o))
    lane->add(s);
  for (;;) {
    auto ended = lane->step(out);
    report.stories.insert(report.stories.end(), ended.begin(), ended.end());
    if (lane->idle()) break;
    // A pull request's checks are still running: ask again later.
    std::this_thread::sleep_for(lane->poll_after());
  }
  const auto why = lane->stopped().value_or(
      "waits for a dependency to land (it is not done, or could not land)");
  for (const auto& id : lane->pending())
    report.stories.push_back({id, land_result::waiting, "", why});
  report.test_runs = lane->test_runs();
  report.batches = lane->batches();
  return report;
}

} // namespace sdlc
