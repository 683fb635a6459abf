#include "runtime/console/board_view.hpp"

#include "runtime/console/json_output.hpp"
#include "runtime/report/dot_graph.hpp"

#include "runtime/land/lane.hpp"
#include "runtime/story/dependency_graph.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/util/yaml_json.hpp"
#include "runtime/workflow/next_action.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

namespace {

bool has_error(const story& s) {
  return s.status() == story_status::blocked || !s.str("last_error").empty() ||
         !s.str("blocked_reason").empty();
}

// What the story has cost so far (its state's usage), 0 when unknown.
api_usage usage_of(const story& s) {
  try {
    if (auto state = workflow_state::load(s.dir())) return state->usage_total();
  } catch (const std::exception&) {
    // An unreadable state is reported by `details`; here it costs nothing.
  }
  return {};
}

// Where a done story's work is: landed, in a pull request, waiting to land
// (landing is on), or only on its branch. "" for a story not done.
std::string landing_state(const board& b, const story& s) {
  if (s.status() != story_status::done) return "";
  if (has_landed(s)) return "landed";
  if (!s.str("pr_url").empty()) return "pull request open";
  if (s.str("branch").empty()) return "in the main checkout";
  return b.cfg().merge.enabled ? "waiting to land" : "on its branch";
}

nlohmann::ordered_json story_summary(const board& b, const story& s, const decision& d) {
  nlohmann::ordered_json j;
  j["id"] = s.id();
  j["title"] = s.title();
  j["slug"] = s.slug();
  j["status"] = s.str("status");
  if (s.priority() != std::numeric_limits<long>::max())
    j["priority"] = s.priority();
  else
    j["priority"] = nullptr;
  j["type"] = s.type();
  // As given (ai-sdlc writes small|medium|large; a hand-edit may not): the
  // run's plan names a value it cannot weigh.
  if (auto effort = s.str("estimated_effort"); !effort.empty())
    j["estimated_effort"] = effort;
  else
    j["estimated_effort"] = nullptr;
  j["labels"] = s.labels();
  j["flags"] = {{"research", s.flag("research_complete")},
                {"plan", s.flag("plan_complete")},
                {"implementation", s.flag("implementation_complete")},
                {"reviews", s.flag("reviews_complete")},
                {"error", has_error(s)}};
  j["dependencies"] = s.dependencies();
  j["awaiting_approval"] = d.action == action_type::await_approval;
  j["next_action"] = {{"action", std::string(to_string(d.action))}, {"reason", d.reason}};
  j["landing"] = {{"state", landing_state(b, s)},
                  {"pr_url", s.str("pr_url")},
                  {"merged_at", s.str("merged_at")},
                  {"merge_sha", s.str("merge_sha")}};
  auto u = usage_of(s);
  j["cost_usd"] = u.cost_usd;
  j["api_calls"] = u.calls;
  j["path"] = b.rel(s.file());
  return j;
}

// What the views need of each story, read once: its status, priority and
// next action are lookups in its YAML, and a 10,000-story board made the
// views spend seconds asking again per column and per comparison.
struct board_row {
  const story* s;
  story_status status;
  long priority;
  decision next;
  bool awaits() const { return next.action == action_type::await_approval; }
};

std::vector<board_row> rows_of(const board_scan& scan, const workflow_limits& lim) {
  std::vector<board_row> rows;
  rows.reserve(scan.stories.size());
  for (const auto& s : scan.stories)
    rows.push_back({&s, s.status(), s.priority(), next_action(facts_of(s), lim)});
  return rows;
}

std::vector<const board_row*> sorted_by_priority(const std::vector<board_row>& rows,
                                                 story_status st) {
  std::vector<const board_row*> out;
  for (const auto& r : rows)
    if (r.status == st) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const board_row* a, const board_row* b) {
    return a->priority < b->priority;
  });
  return out;
}

const char* column_title(story_status s) {
  switch (s) {
  case story_status::backlog:
    return "BACKLOG";
  case story_status::ready:
    return "READY";
  case story_status::in_progress:
    return "IN-PROGRESS";
  case story_status::done:
    return "DONE";
  case story_status::blocked:
    return "BLOCKED";
  }
  return "?";
}

} // namespace

std::string phase_flags(const story& s) {
  std::string f;
  f += s.flag("research_complete") ? "R" : "·";
  f += s.flag("plan_complete") ? "P" : "·";
  f += s.flag("implementation_complete") ? "I" : "·";
  f += s.flag("reviews_complete") ? "V" : "·";
  f += has_error(s) ? "!" : " ";
  return f;
}

namespace {

// `v` as dump(2) prints it `depth` levels down in a larger document: each line
// after its first indented two spaces per level. (A JSON string never holds a
// raw newline, so every newline of the text is one of the layout's.)
void write_nested(std::ostream& out, const nlohmann::ordered_json& v, int depth) {
  const auto text = v.dump(2);
  const std::string pad(static_cast<std::size_t>(2 * depth), ' ');
  std::size_t from = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', from)) {
    out.write(text.data() + from, static_cast<std::streamsize>(nl + 1 - from));
    out << pad;
    from = nl + 1;
  }
  out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
}

// JSON carries only UTF-8, and a path may be any bytes: such a path refuses
// the document before any of it is written, naming the path (its first bad
// byte escaped) and what to do.
void require_utf8_path(const std::string& path) {
  if (fs::find_invalid_utf8(path)) throw not_utf8(path, "path", without_json("status"));
}

} // namespace

void write_status_json(std::ostream& out, const board& b, const board_scan& scan,
                       const status_view_options& o) {
  const auto rows = rows_of(scan, limits_of(b.cfg()));
  std::vector<const board_row*> shown;
  nlohmann::ordered_json counts;
  for (auto st : all_statuses()) {
    auto list = sorted_by_priority(rows, st);
    counts[std::string(to_string(st))] = list.size();
    if (o.active_only && st == story_status::done) continue;
    shown.insert(shown.end(), list.begin(), list.end());
  }
  // Everything after the stories, in the order of its keys.
  nlohmann::ordered_json rest;
  auto& held = rest["awaiting_approval"] = nlohmann::ordered_json::array();
  for (const auto& r : rows)
    if (r.awaits()) held.push_back(r.s->id());
  counts["awaiting_approval"] = held.size();
  rest["counts"] = counts;
  auto& problems = rest["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : scan.problems)
    problems.push_back({{"file", b.rel(p.file)}, {"message", p.message}});
  auto& deps = rest["dependency_issues"] = nlohmann::ordered_json::array();
  for (const auto& issue : dependency_graph(scan.stories).issues())
    deps.push_back({{"kind", issue.kind == dependency_issue::missing ? "missing" : "cycle"},
                    {"ids", issue.ids},
                    {"message", issue.message()}});

  require_utf8_path(b.sdlc_dir().string());
  for (const auto* r : shown)
    require_utf8_path(b.rel(r->s->file()));
  for (const auto& p : scan.problems)
    require_utf8_path(b.rel(p.file));

  // The layout of dump(2) of the whole document, written a story at a time:
  // the board as one tree, then as one string, was 380 MB at 100,000 stories.
  out << "{\n  \"board\": " << nlohmann::ordered_json(b.sdlc_dir().string()).dump()
      << ",\n  \"stories\": [";
  for (std::size_t i = 0; i < shown.size() && out; ++i) { // a failed write ends it
    out << (i == 0 ? "\n    " : ",\n    ");
    write_nested(out, story_summary(b, *shown[i]->s, shown[i]->next), 2);
  }
  out << (shown.empty() ? "]" : "\n  ]");
  for (auto it = rest.begin(); it != rest.end(); ++it) {
    out << ",\n  " << nlohmann::ordered_json(it.key()).dump() << ": ";
    write_nested(out, it.value(), 1);
  }
  out << "\n}\n";
}

std::string status_dot(const board& b, const board_scan& scan, const status_view_options& o) {
  std::vector<graph_node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
  for (const auto& r : rows_of(scan, limits_of(b.cfg()))) {
    if (o.active_only && r.status == story_status::done) continue;
    nodes.push_back({r.s->id(), printable(r.s->title()),
                     r.awaits() ? "awaiting_approval" : std::string(to_string(r.status))});
    for (const auto& dep : r.s->dependencies())
      edges.emplace_back(dep, r.s->id());
  }
  return to_dot(nodes, edges);
}

std::string status_text(const board& b, const board_scan& scan, const status_view_options& o,
                        const term::style& st, int width) {
  const auto lim = limits_of(b.cfg());
  const auto rows = rows_of(scan, lim);
  std::string out;
  std::size_t id_w = 6;
  for (const auto& s : scan.stories)
    id_w = std::max(id_w, term::display_width(printable(s.id())));
  // The next-action column has one width for the whole board so it lines up.
  std::size_t next_w = 0;
  for (const auto& r : rows)
    if (r.next.action != action_type::none)
      next_w = std::max(next_w, term::display_width(to_string(r.next.action)) + 2);
  // A plan waiting for a person is its own column (ai-sdlc keeps its status).
  std::vector<const board_row*> held;
  for (const auto& r : rows)
    if (r.awaits()) held.push_back(&r);
  auto column = [&](const char* heading, const std::vector<const board_row*>& list) {
    out += st.bold(fmt::format("{} ({})", heading, list.size())) + "\n";
    if (list.empty()) out += st.dim("  (none)") + "\n";
    for (const auto* r : list) {
      const auto* s = r->s;
      const auto& d = r->next;
      auto next =
          d.action == action_type::none ? std::string() : "→ " + std::string(to_string(d.action));
      auto flags = phase_flags(*s);
      auto left_w = 2 + id_w + 2 + term::display_width(flags) + 2 + 2;
      auto room = std::max<int>(10, width - static_cast<int>(left_w + next_w) - 1);
      auto title = term::fit(printable(s->title()), static_cast<std::size_t>(room));
      auto pad = static_cast<std::size_t>(room) - term::display_width(title) + 1;
      auto flag_text = has_error(*s) ? st.red(flags) : flags;
      auto line = fmt::format("  {:<{}}  [{}]  {}", printable(s->id()), id_w, flag_text, title);
      if (!next.empty()) line += std::string(pad, ' ') + st.cyan(next);
      bool padded = !next.empty();
      auto append = [&](const std::string& text) {
        line += (padded ? "  " : std::string(pad, ' ')) + text;
        padded = true;
      };
      if (auto u = usage_of(*s); u.cost_usd > 0) append(st.dim(fmt::format("${:.2f}", u.cost_usd)));
      if (auto where = landing_state(b, *s); !where.empty() && where != "in the main checkout")
        append(where == "landed" ? st.green(where) : st.dim(where));
      out += line + "\n";
    }
    out += "\n";
  };
  for (auto status : all_statuses()) {
    auto list = sorted_by_priority(rows, status);
    if (o.active_only && status == story_status::done) {
      out += st.dim(fmt::format("DONE ({}) hidden by --active\n\n", list.size()));
      continue;
    }
    list.erase(
        std::remove_if(list.begin(), list.end(), [](const board_row* r) { return r->awaits(); }),
        list.end());
    column(column_title(status), list);
    if (status == story_status::in_progress && (lim.require_plan_approval || !held.empty()))
      column("AWAITING APPROVAL", held);
  }
  out += st.dim("flags: R research, P plan, I implementation, V review done; ! blocked or error") +
         "\n";
  for (const auto& issue : dependency_graph(scan.stories).issues())
    out += st.yellow("warning: " + printable(issue.message())) + "\n";
  return out;
}

nlohmann::ordered_json details_json(const board& b, const story& s) {
  auto j = story_summary(b, s, next_action(facts_of(s), limits_of(b.cfg())));
  j["frontmatter"] = yaml::to_json(s.frontmatter());
  try {
    if (auto state = workflow_state::load(s.dir()))
      j["workflow_state"] = state->json();
    else
      j["workflow_state"] = nullptr;
  } catch (const std::exception& e) {
    j["workflow_state"] = {{"error", e.what()}};
  }
  j["body"] = s.body();
  return j;
}

std::string details_text(const board& b, const story& s, const term::style& st) {
  auto d = next_action(facts_of(s), limits_of(b.cfg()));
  std::string out;
  out += st.bold(printable(fmt::format("{}  {}", s.id(), s.title()))) + "\n";
  auto row = [&](const char* k, const std::string& v) {
    if (!v.empty()) out += fmt::format("  {:<14}{}\n", k, printable(v));
  };
  row("status", s.str("status"));
  row("priority", s.str("priority"));
  row("type", s.type());
  row("effort", s.str("estimated_effort")); // as ai-sdlc's details shows it
  row("slug", s.slug());
  row("labels", fmt::format("{}", fmt::join(s.labels(), ", ")));
  row("flags", phase_flags(s));
  row("depends on", fmt::format("{}", fmt::join(s.dependencies(), ", ")));
  row("branch", s.str("branch"));
  row("worktree", s.str("worktree_path"));
  row("landing", landing_state(b, s));
  row("pull request", s.str("pr_url"));
  row("landed", s.str("merged_at").empty() ? ""
                                           : fmt::format("{} as {}", s.str("merged_at"),
                                                         s.str("merge_sha").substr(0, 12)));
  row("blocked", s.str("blocked_reason"));
  row("last error", s.str("last_error"));
  row("next", d.action == action_type::none
                  ? d.reason
                  : fmt::format("{} ({})", to_string(d.action), d.reason));
  row("file", b.rel(s.file()));
  try {
    if (auto state = workflow_state::load(s.dir())) {
      auto done = state->completed_actions();
      row("completed", done.empty() ? "-" : fmt::format("{}", fmt::join(done, ", ")));
      if (auto cur = state->interrupted())
        row(cur->failed ? "failed" : "interrupted",
            cur->failed ? failed_attempts_text(*cur, 1 + b.cfg().action_retries) : cur->type);
      if (auto u = state->usage_total(); u.calls > 0 || u.cost_usd > 0)
        row("cost", fmt::format("${:.4f} ({} API calls, tokens in {} / out {})", u.cost_usd,
                                u.calls, u.input + u.cache_read + u.cache_creation, u.output));
    }
  } catch (const std::exception& e) {
    out += fmt::format("  {:<14}{}\n", "state", st.red(printable(e.what())));
  }
  out += "\n" + printable(s.body(), true);
  if (!s.body().empty() && s.body().back() != '\n') out += "\n";
  return out;
}

} // namespace sdlc
