#pragma once
// How much work a story still is, for the scheduler's critical-path weights
// and `run --dry-run`'s estimate: its count of remaining actions, scaled by
// ai-sdlc's `estimated_effort` (set by refinement: small, medium or large).
// A live run cannot know how long an agent will take; the estimate is the
// only thing it has that tells a long story from a short one, and weighing by
// it starts long chains earlier (README "How a run works"; the DAG row of
// docs/benchmarks.md measures it).
#include "runtime/story/story.hpp"

#include <optional>
#include <string>

namespace sdlc {

// How many actions a story still needs (refine? research plan implement review).
int expected_actions(const story& s);

// small 0.5, medium 1, large 1.5 (any case, spaces around ignored); nothing
// for any other value.
std::optional<double> effort_factor(const std::string& estimated_effort);

// actions × effort_factor(estimated_effort); no estimate (""), or one that
// is not small, medium or large, weighs as medium. The one weighting of the
// live run, its dry run and the benchmark's simulation of them.
double expected_work(int actions, const std::string& estimated_effort);
// expected_work(expected_actions(s), its estimated_effort).
double expected_work(const story& s);

// Why a story's estimate is not used ("S-0003 (…/story.md): …; …"), or
// nothing when it has none or a known one.
std::optional<std::string> effort_problem(const story& s);

} // namespace sdlc
