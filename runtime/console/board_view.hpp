#pragma once
// `status` and `details`: the board as text for people and as JSON for scripts.
#include "runtime/console/terminal.hpp"
#include "runtime/story/board.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace sdlc {

struct status_view_options {
  bool active_only = false; // hide done stories
};

// `status --json`: the document, pretty-printed as nlohmann's dump(2) would
// print it, and a newline.
void write_status_json(std::ostream& out, const board& b, const board_scan& scan,
                       const status_view_options& o);
std::string status_text(const board& b, const board_scan& scan, const status_view_options& o,
                        const term::style& st, int width);

// `status --dot`: the dependency graph in Graphviz DOT, a story's status
// (or awaiting_approval) as its colour.
std::string status_dot(const board& b, const board_scan& scan, const status_view_options& o);

nlohmann::ordered_json details_json(const board& b, const story& s);
std::string details_text(const board& b, const story& s, const term::style& st);

// "RPIV!" flags as shown in `status`: a letter per finished phase, '·' otherwise.
std::string phase_flags(const story& s);

} // namespace sdlc
