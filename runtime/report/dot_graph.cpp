#include "runtime/report/dot_graph.hpp"

#include "runtime/process/run_captured.hpp"
#include "runtime/console/terminal.hpp"
#include "runtime/util/environment.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

#include <set>
#include <vector>

namespace sdlc {

namespace {

// The inside of a DOT double-quoted string: quotes and backslashes
// escaped, line breaks and other control characters made blanks (a title is
// one line).
std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out;
}

std::string quoted(const std::string& s) {
  return "\"" + escaped(s) + "\"";
}

// Lines of a label: each escaped, joined by DOT's own line break.
std::string lines(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : "\\n") + escaped(parts[i]);
  return "\"" + out + "\"";
}

} // namespace

std::optional<std::string> render_svg(const std::string& dot_source,
                                      std::chrono::milliseconds timeout) {
  fs::scratch_file source(dot_source);
  if (source.path().empty()) return std::nullopt;
  spawn_spec spec;
  spec.argv = {"dot", "-Tsvg"};
  spec.env = current_environment();
  spec.stdin_file = source.path();
  try {
    auto r = run_captured(spec, timeout);
    if (r.ok()) return std::move(r.out);
  } catch (const std::exception&) {
    // not installed: the report says how to get it
  }
  return std::nullopt;
}

std::string colour_of_state(const std::string& state) {
  if (state == "done" || state == "landed") return "#9be39b";
  if (state == "in-progress" || state == "running") return "#8ec5ff";
  if (state == "ready") return "#d6e9ff";
  if (state == "blocked" || state == "failed") return "#ff9b9b";
  if (state == "awaiting_approval") return "#ffe08a";
  if (state == "interrupted" || state == "stopped") return "#ffc58a";
  return "#e4e4e4"; // backlog, queued, unknown
}

std::string to_dot(const std::vector<graph_node>& nodes,
                   const std::vector<std::pair<std::string, std::string>>& edges) {
  std::string out = "digraph stories {\n"
                    "  rankdir=LR;\n"
                    "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
                    "fontsize=10];\n";
  std::set<std::string> known;
  for (const auto& n : nodes) {
    known.insert(n.id);
    out += fmt::format("  {} [label={}, fillcolor={}, tooltip={}];\n", quoted(n.id),
                       lines({n.id, term::fit(n.title, 41), n.state}),
                       quoted(colour_of_state(n.state)), quoted(n.title));
  }
  std::set<std::string> missing;
  for (const auto& [from, to] : edges)
    if (!known.count(from) && missing.insert(from).second)
      out += fmt::format("  {} [label={}, style=\"dashed\", fillcolor=\"white\"];\n", quoted(from),
                         lines({from, "missing"}));
  for (const auto& [from, to] : edges)
    out += fmt::format("  {} -> {};\n", quoted(from), quoted(to));
  return out + "}\n";
}

} // namespace sdlc
