#include "runtime/report/report_html.hpp"

#include "runtime/console/dashboard.hpp"
#include "runtime/console/terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sdlc {

namespace {

constexpr int label_w = 280; // story id and title left of the timeline
constexpr int chart_w = 960;
constexpr int row_h = 18;
constexpr int axis_h = 28;

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

// A tick every 1, 2 or 5 × 10^k ms: at most ~10 across the axis.
int64_t tick_step(int64_t span_ms) {
  int64_t step = 100;
  for (int i = 0; step * 10 < span_ms; ++i)
    step = (i % 3 == 1) ? step / 2 * 5 : step * 2;
  return step;
}

struct scale {
  int64_t t0, span;
  double x(int64_t at) const {
    return label_w + chart_w * static_cast<double>(at - t0) / static_cast<double>(span);
  }
};

const char* css = R"(
body{font:13px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:28px 0 8px}
.summary{color:#444} .legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border-radius:2px}
svg text{font-size:11px;fill:#222} svg .axis text{fill:#666} svg .grid{stroke:#eee}
.row .label{font-family:ui-monospace,Menlo,monospace} .critical .label{font-weight:bold;fill:#b00}
.critical .band{fill:#fff1f1} .band{fill:transparent}
.action{stroke:#fff;stroke-width:.5} .failed{stroke:#d00;stroke-width:2}
.wait{opacity:.9} .mark{fill:#d00;font-weight:bold}
.a-refine{fill:#b39ddb}.a-research{fill:#80cbc4}.a-plan{fill:#64b5f6}.a-implement{fill:#1e88e5}
.a-review{fill:#ffb74d}.a-rework{fill:#e57373}.a-other{fill:#9e9e9e}
.w-slot{fill:#cfd8dc}.w-dependency{fill:#ce93d8}.w-conflict{fill:#ff8a65}.w-approval{fill:#fdd835}
.w-budget{fill:#ef5350}.w-other{fill:#bdbdbd}
table{border-collapse:collapse} td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #eee}
td:nth-child(-n+3),th:nth-child(-n+3){text-align:left}
.graph svg{max-width:100%;height:auto}
)";

std::string action_class(const std::string& a) {
  static const std::set<std::string> known = {"refine",    "research", "plan",
                                              "implement", "review",   "rework"};
  return known.count(a) ? "a-" + a : "a-other";
}

std::string wait_class(const std::string& c) {
  static const std::set<std::string> known = {"slot", "dependency", "conflict", "approval",
                                              "budget"};
  return known.count(c) ? "w-" + c : "w-other";
}

std::string legend() {
  std::string out = "<p class=\"legend\">";
  auto swatch = [&](const std::string& cls, const std::string& name) {
    out += fmt::format("<span><svg width=\"12\" height=\"12\"><rect class=\"{}\" width=\"12\" "
                       "height=\"12\" rx=\"2\"/></svg> {}</span>",
                       cls, name);
  };
  for (const char* a : {"refine", "research", "plan", "implement", "review", "rework"})
    swatch(action_class(a), a);
  for (const char* c : {"slot", "dependency", "conflict", "approval", "budget"})
    swatch(wait_class(c), std::string("waits: ") + c);
  out += "<span><b style=\"color:#d00\">✕</b> failed</span>";
  out += "<span><b style=\"color:#b00\">bold red</b>: critical path</span></p>\n";
  return out;
}

std::string timeline(const run_report& r, const scale& sc) {
  const std::set<std::string> critical(r.critical_path.begin(), r.critical_path.end());
  const int h = axis_h + row_h * static_cast<int>(r.stories.size()) + 4;
  const int w = label_w + chart_w + 20;
  std::string out =
      fmt::format("<svg class=\"timeline\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
                  "xmlns=\"http://www.w3.org/2000/svg\">\n<g class=\"axis\">",
                  w, h, w, h);
  const auto step = tick_step(sc.span);
  for (int64_t t = 0; t <= sc.span; t += step) {
    const double x = sc.x(sc.t0 + t);
    out += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"16\" text-anchor=\"middle\">{}</text>",
                       x, axis_h - 6, x, h, x, clock_text(t));
  }
  out += "</g>\n";
  int y = axis_h;
  for (const auto& s : r.stories) {
    const bool on_path = critical.count(s.id) > 0;
    out += fmt::format("<g class=\"row{}\" data-story=\"{}\"><title>{} {}: {}</title>",
                       on_path ? " critical" : "", esc(s.id), esc(s.id), esc(s.title),
                       esc(s.result.empty() ? "unfinished" : s.result));
    out += fmt::format("<rect class=\"band\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\"/>", y, w,
                       row_h);
    out += fmt::format("<text class=\"label\" x=\"4\" y=\"{}\">{} {}</text>", y + 13, esc(s.id),
                       esc(term::fit(s.title, 31)));
    for (const auto& wt : s.waits) {
      const double x1 = sc.x(wt.start_ms), x2 = std::max(sc.x(wt.end_ms), x1 + 1);
      out += fmt::format("<rect class=\"wait {}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" "
                         "height=\"6\"><title>waits ({}) {}</title></rect>",
                         wait_class(wt.cause), x1, y + 6, x2 - x1, esc(wt.cause),
                         clock_text(wt.end_ms - wt.start_ms));
    }
    for (const auto& a : s.actions) {
      const auto end = a.ended ? a.end_ms : r.ended_ms;
      const double x1 = sc.x(a.start_ms), x2 = std::max(sc.x(end), x1 + 2);
      out += fmt::format("<rect class=\"action {}{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" "
                         "height=\"{}\" rx=\"2\"><title>{} {}{}</title></rect>",
                         action_class(a.action), a.ok ? "" : " failed", x1, y + 2, x2 - x1,
                         row_h - 4, esc(a.action), clock_text(end - a.start_ms),
                         a.ok ? (a.ended ? "" : " (the run ended in it)") : " — failed");
      if (!a.ok)
        out += fmt::format("<text class=\"mark\" x=\"{:.1f}\" y=\"{}\">✕</text>", x2 + 1, y + 13);
    }
    out += "</g>\n";
    y += row_h;
  }
  return out + "</svg>\n";
}

std::string cost_chart(const run_report& r) {
  double top = 0;
  for (const auto& s : r.stories)
    top = std::max(top, s.cost_usd);
  const int h = row_h * static_cast<int>(r.stories.size()) + 6;
  std::string out = fmt::format("<svg class=\"cost\" width=\"{}\" height=\"{}\" "
                                "xmlns=\"http://www.w3.org/2000/svg\">\n",
                                label_w + 520, h);
  int y = 0;
  for (const auto& s : r.stories) {
    const double w = top > 0 ? 400.0 * s.cost_usd / top : 0;
    out += fmt::format("<g data-story=\"{}\"><text x=\"4\" y=\"{}\">{}</text>"
                       "<rect class=\"a-implement\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" "
                       "height=\"{}\"/><text x=\"{:.1f}\" y=\"{}\">${:.4f}</text></g>\n",
                       esc(s.id), y + 13, esc(s.id), label_w, y + 3, w, row_h - 6, label_w + w + 6,
                       y + 13, s.cost_usd);
    y += row_h;
  }
  return out + "</svg>\n";
}

std::string api_chart(const run_report& r, const scale& sc) {
  if (r.api.empty()) return "<p>No API calls went through the run's limiter.</p>\n";
  int top = 1;
  for (const auto& p : r.api)
    top = std::max(top, p.in_flight);
  const int h = 120, base = 100;
  std::string out = fmt::format("<svg class=\"api\" width=\"{}\" height=\"{}\" "
                                "xmlns=\"http://www.w3.org/2000/svg\">\n",
                                label_w + chart_w + 20, h);
  out += fmt::format("<text x=\"4\" y=\"20\">calls in flight (max {})</text>"
                     "<text x=\"4\" y=\"40\" class=\"mark\">▲ 429/529</text>",
                     top);
  std::string path = fmt::format("M{:.1f},{}", sc.x(r.started_ms), base);
  int64_t seen = 0;
  std::string marks;
  for (const auto& p : r.api) {
    const double x = sc.x(p.at_ms);
    const double y = base - 90.0 * p.in_flight / top;
    path += fmt::format(" H{:.1f} V{:.1f}", x, y);
    if (p.rejections > seen)
      marks += fmt::format("<text class=\"mark\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">▲"
                           "<title>{} rejections so far</title></text>",
                           x, base + 14, p.rejections);
    seen = std::max(seen, p.rejections);
  }
  path += fmt::format(" H{:.1f}", sc.x(r.ended_ms));
  out +=
      fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"#1e88e5\" stroke-width=\"1.5\"/>", path);
  return out + marks + "</svg>\n";
}

std::string stories_table(const run_report& r) {
  std::string out = "<table><tr><th>story</th><th>title</th><th>result</th><th>running</th>"
                    "<th>waited</th><th>reworks</th><th>tokens in/out</th><th>cost</th></tr>\n";
  for (const auto& s : r.stories) {
    int64_t waited = 0;
    for (const auto& [cause, ms] : s.waited_ms)
      waited += ms;
    out += fmt::format("<tr data-story=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}"
                       "</td><td>{}</td><td>{}/{}</td><td>${:.4f}</td></tr>\n",
                       esc(s.id), esc(s.id), esc(s.title),
                       esc(s.result.empty() ? "unfinished" : s.result), clock_text(s.running_ms()),
                       clock_text(waited), s.reworks, s.input_tokens, s.output_tokens, s.cost_usd);
  }
  return out + "</table>\n";
}

// dot's SVG without its XML prologue and doctype: inline in HTML.
std::string inline_svg(const std::string& svg) {
  const auto at = svg.find("<svg");
  return at == std::string::npos ? "" : svg.substr(at);
}

} // namespace

std::string run_graph_dot(const run_report& r) {
  std::vector<graph_node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
  for (const auto& s : r.stories) {
    nodes.push_back({s.id, s.title, s.result.empty() ? "unfinished" : s.result});
    for (const auto& d : s.depends_on)
      edges.emplace_back(d, s.id);
  }
  return to_dot(nodes, edges);
}

std::string report_html(const run_report& r, const std::optional<std::string>& graph_svg) {
  const scale sc{r.started_ms, std::max<int64_t>(1, r.ended_ms - r.started_ms)};
  const double ratio =
      r.lower_bound_ms > 0 ? static_cast<double>(r.makespan_ms) / r.lower_bound_ms : 0;
  std::string chain;
  for (const auto& id : r.critical_path)
    chain += (chain.empty() ? "" : " → ") + id;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += fmt::format("<title>sdlc-actors run {}</title><style>{}</style></head><body>\n", esc(r.id),
                     css);
  out += fmt::format("<h1>Run {}</h1>\n<p class=\"summary\">{} · {} stor{} · {} at a time · "
                     "makespan {} against a lower bound of {} ({:.2f}×) · ${:.4f} · {} "
                     "rate-limited answers, paused {}</p>\n",
                     esc(r.id), esc(ending_text(r)), r.stories.size(),
                     r.stories.size() == 1 ? "y" : "ies", r.concurrency, clock_text(r.makespan_ms),
                     clock_text(r.lower_bound_ms), ratio, r.cost_usd, r.rejections,
                     clock_text(r.paused_ms));
  if (!chain.empty())
    out += fmt::format("<p>Critical path: <b>{}</b> ({})</p>\n", esc(chain),
                       clock_text(r.critical_path_ms));
  out += "<h2>Timeline</h2>\n" + legend() + timeline(r, sc);
  out += "<h2>Cost per story</h2>\n" + cost_chart(r);
  out += "<h2>API calls in flight and 429s</h2>\n" + api_chart(r, sc);
  out += "<h2>Dependencies</h2>\n<div class=\"graph\">";
  out += graph_svg ? inline_svg(*graph_svg)
                   : std::string("<p>Install Graphviz to see the dependency graph here "
                                 "(<code>apt-get install graphviz</code>; "
                                 "<code>tools/bootstrap</code> does).</p>");
  out += "</div>\n<h2>Stories</h2>\n" + stories_table(r);
  return out + "</body></html>\n";
}

} // namespace sdlc
