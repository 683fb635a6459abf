#pragma once
// `report --html`: one self-contained page (inline SVG and CSS; no script,
// no font or image fetched) that shows a run — a timeline with a row per
// story (a bar per action coloured by action, waits by cause, failures and
// reworks marked, the critical path highlighted, a time axis), cost per
// story, API calls in flight and 429s over time, and the dependency graph
// coloured by result. Pure: the graph comes rendered (dot's SVG) or not.
#include "runtime/report/dot_graph.hpp"
#include "runtime/report/run_report.hpp"

#include <optional>
#include <string>

namespace sdlc {

// The dependency graph of the run, each story coloured by its result.
std::string run_graph_dot(const run_report& r);

// `graph_svg`: `dot -Tsvg` of run_graph_dot (nullopt: graphviz missing;
// the page says how to get it).
std::string report_html(const run_report& r, const std::optional<std::string>& graph_svg);

} // namespace sdlc
