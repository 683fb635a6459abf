#pragma once
// A dependency graph in Graphviz DOT (`status --dot`, the report's graph):
// a node per story, coloured by its state, an edge from each dependency to
// the story that waits for it. Pure text; `dot` renders it.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sdlc {

struct graph_node {
  std::string id;
  std::string title;
  std::string state; // a board status, a run result, "awaiting_approval", ...
};

// `edges`: (dependency, dependent). A dependency that is not a node is drawn
// dashed, labelled "missing".
std::string to_dot(const std::vector<graph_node>& nodes,
                   const std::vector<std::pair<std::string, std::string>>& edges);

// `dot -Tsvg` of `dot_source`; nullopt when Graphviz is not installed or
// fails (the caller says how to get it), within `timeout`.
std::optional<std::string> render_svg(const std::string& dot_source,
                                      std::chrono::milliseconds timeout);

// The fill colour a state is drawn with (also the report's legend).
std::string colour_of_state(const std::string& state);

} // namespace sdlc
