#include "runtime/story/board.hpp"

#include "runtime/story/story_cache.hpp"

#include "runtime/util/error.hpp"
#include "runtime/story/board_index.hpp"
#include "runtime/story/peer_lock.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/parallel_for.hpp"
#include "runtime/util/printable.hpp"
#include "runtime/util/text.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <cerrno>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <random>
#include <tuple>
#include <unistd.h>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

// S-0042 -> 42; anything else -> 0.
long id_number(std::string_view id) {
  if (id.size() < 3 || (id[0] != 'S' && id[0] != 's') || id[1] != '-') return 0;
  long n = 0;
  for (auto c : id.substr(2)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    n = n * 10 + (c - '0');
    if (n > 100000000) return 0;
  }
  return n;
}

std::string default_body(const std::string& title) {
  return fmt::format("# {}\n\n## Summary\n\n(Describe the change and why it matters.)\n\n"
                     "## Acceptance Criteria\n\n- [ ] (What must be true when this is done?)\n",
                     title);
}

} // namespace

namespace {

// A git folder (a bare repository, or the .git of a checkout) is no project:
// a board there would live among git's own files.
void refuse_git_folder(const stdfs::path& root) {
  std::error_code ec;
  bool inside_dot_git = false;
  for (const auto& part : root)
    inside_dot_git |= part == ".git";
  bool bare = stdfs::is_regular_file(root / "HEAD", ec) &&
              stdfs::is_directory(root / "objects", ec) && stdfs::is_directory(root / "refs", ec) &&
              !stdfs::exists(root / ".git", ec);
  if (inside_dot_git)
    throw bad_input(fmt::format("{} is inside a .git folder; run sdlc-actors in the project's "
                                "working tree (-C <project>)",
                                root.string()));
  if (bare)
    throw bad_input(fmt::format("{} is a bare git repository (no working tree); clone it (`git "
                                "clone {} work`) and run sdlc-actors in the clone",
                                root.string(), root.string()));
}

// What a new story must be before anything is written.
void check_new_story(const new_story& spec) {
  if (spec.title.find_first_not_of(" \t\r\n") == std::string::npos)
    throw bad_input("a story needs a title: sdlc-actors add \"What to build\"");
  if (spec.title.find('\n') != std::string::npos)
    throw bad_input("the title must be one line; put details in --body-file");
  if (has_control(spec.title))
    throw bad_input(fmt::format("the title '{}' holds control characters (escape codes, carriage "
                                "returns); type it as plain text",
                                printable(spec.title)));
  for (const auto& l : spec.labels)
    if (has_control(l))
      throw bad_input(fmt::format("label '{}' holds control characters", printable(l)));
  if (!is_safe_name(spec.type))
    throw bad_input(fmt::format("type '{}' may contain only letters, digits, '-', '_'", spec.type));
}

// A new story's frontmatter, in ai-sdlc's key order.
std::string frontmatter_of(const new_story& spec, const std::string& id, const std::string& slug,
                           long max_priority, const std::vector<std::string>& deps,
                           const std::vector<std::string>& default_labels) {
  std::string fm;
  YAML::Node labels(YAML::NodeType::Sequence);
  for (const auto& l : default_labels)
    labels.push_back(yaml::string(l));
  for (const auto& l : spec.labels)
    labels.push_back(yaml::string(l));
  YAML::Node dep_list(YAML::NodeType::Sequence);
  for (const auto& d : deps)
    dep_list.push_back(yaml::string(d));
  fm += yaml::emit_entry("id", yaml::string(id));
  fm += yaml::emit_entry("title", yaml::string(spec.title));
  fm += yaml::emit_entry("slug", yaml::string(slug));
  fm += yaml::emit_entry("priority", YAML::Node(spec.priority.value_or(max_priority + 10)));
  fm += yaml::emit_entry("status", yaml::string(std::string(to_string(spec.status))));
  fm += yaml::emit_entry("type", yaml::string(spec.type));
  fm += yaml::emit_entry("created", yaml::string(time::today()));
  fm += yaml::emit_entry("labels", labels);
  for (auto flag :
       {"research_complete", "plan_complete", "implementation_complete", "reviews_complete"})
    fm += yaml::emit_entry(flag, YAML::Node(false));
  fm += yaml::emit_entry("dependencies", dep_list);
  return fm;
}

} // namespace

board::board(stdfs::path project_root, config cfg, bool must_exist)
    : root_(stdfs::weakly_canonical(stdfs::absolute(project_root))), cfg_(std::move(cfg)) {
  refuse_git_folder(root_);
  if (must_exist && !stdfs::is_directory(sdlc_dir()))
    throw bad_input(fmt::format("no board at {}; run `sdlc-actors init` in the project first",
                                sdlc_dir().string()));
}

std::vector<stdfs::path> board::init() {
  std::vector<stdfs::path> created;
  for (auto dir : {sdlc_dir(), stories_dir()}) {
    if (stdfs::create_directories(dir)) created.push_back(dir);
  }
  fs::spread_subfolders(stories_dir());
  return created;
}

std::string board::rel(const stdfs::path& p) const {
  return fs::display_path(p, root_);
}

stdfs::path board::lock_file_for(const stdfs::path& story_file) {
  return story_file.parent_path() / ("." + story_file.filename().string() + ".lock");
}

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One story file read for a summary scan: from the index when its identity
// is unchanged, else parsed. `keep` is the identity to remember it by: the
// index's, or a parsed file's whose timestamps are settled.
struct summary_read {
  std::optional<story> loaded;
  std::optional<file_identity> keep;
  bool parsed = false;
};

// `listed`: the identity the listing saw, if it did (taken before the read).
summary_read read_summary(const stdfs::path& file, std::optional<file_identity> listed,
                          std::int64_t read_at, board_index& index) {
  summary_read out;
  const auto before = listed ? listed : identity_of(file);
  if (before)
    if (auto* hit = index.find(file.native(), *before)) {
      out.loaded =
          story::from_fields(file, std::move(hit->fields), std::move(hit->last_review_decision));
      out.keep = before;
      return out;
    }
  out.parsed = true;
  out.loaded = story::load(file).summary();
  const auto after = identity_of(file);
  if (before && after && *before == *after && settled(*after, read_at, timestamp_granularity_ns))
    out.keep = after;
  return out;
}

// What the index should hold after a scan: every story kept (summaries; a
// kept story was read).
std::vector<index_entry_view> entries_of(const std::vector<std::optional<story>>& loaded,
                                         const std::vector<std::optional<file_identity>>& kept,
                                         std::size_t count) {
  std::vector<index_entry_view> entries;
  entries.reserve(count);
  for (std::size_t i = 0; i < loaded.size(); ++i)
    if (kept[i])
      entries.push_back({&loaded[i]->file_text(), &*kept[i], &loaded[i]->summary_fields(),
                         &loaded[i]->summary_review_decision()});
  return entries;
}

// Whether `file` is `dir`/<folder>/<name>, as the listing builds a story
// file of the current layout: a text compare, where comparing parent paths
// built two paths per story.
bool in_story_folder_of(const std::string& f, const stdfs::path& dir) {
  const auto& d = dir.native();
  if (f.size() <= d.size() + 1 || f.compare(0, d.size(), d) != 0 || f[d.size()] != '/')
    return false;
  return std::count(f.begin() + static_cast<std::ptrdiff_t>(d.size()) + 1, f.end(), '/') == 1;
}

// A summary scan trusts the index for files it holds unchanged; a full scan
// reads every file and needs none.
std::optional<stdfs::path> index_file_of(scan_depth depth, const stdfs::path& sdlc) {
  return depth == scan_depth::summary ? index_file_for(sdlc) : std::nullopt;
}

// Never throws: a bad or missing index is an empty one.
board_index load_index(const std::optional<stdfs::path>& index_file, const stdfs::path& sdlc) {
  return index_file ? board_index::load(*index_file, sdlc) : board_index{};
}

} // namespace

board_scan board::scan(scan_depth depth) const {
  const auto index_file = index_file_of(depth, sdlc_dir());
  // Reading the index and listing the board are each a fifth of a 10,000-story
  // `status`: side by side.
  auto loading = std::async(std::launch::async, [&] { return load_index(index_file, sdlc_dir()); });
  auto listed = listing();
  return read_listed(depth, std::move(listed), index_file, loading.get());
}

board_scan board::scan(scan_depth depth, const board_listing& listed) const {
  const auto index_file = index_file_of(depth, sdlc_dir());
  return read_listed(depth, listed, index_file, load_index(index_file, sdlc_dir()));
}

board_scan board::read_listed(scan_depth depth, board_listing listed,
                              const std::optional<stdfs::path>& index_file,
                              board_index index) const {
  board_scan out;
  const bool summary = depth == scan_depth::summary;
  out.problems = listed.problems;
  // Timestamps are compared with a time taken before anything was listed.
  const auto read_at = listed.taken_at_ns;
  std::vector<stdfs::path> files;
  files.reserve(listed.files.size());
  for (auto& l : listed.files)
    files.push_back(std::move(l.first));
  // Parsing YAML is most of a big board's scan, and each file is independent.
  std::vector<std::optional<story>> loaded(files.size());
  std::vector<std::optional<file_identity>> keep(files.size());
  std::vector<std::string> failed(files.size());
  std::vector<std::exception_ptr> crashed(files.size()); // not a bad story: rethrown here
  std::atomic<std::size_t> parsed{0};
  parallel_for(files.size(), [&](std::size_t i) {
    try {
      if (summary) {
        auto r = read_summary(files[i], listed.files[i].second, read_at, index);
        parsed += r.parsed ? 1 : 0;
        loaded[i] = std::move(r.loaded);
        keep[i] = r.keep;
      } else {
        ++parsed;
        loaded[i] = story::load(files[i]);
      }
    } catch (const error& e) {
      failed[i] = e.what();
    } catch (...) {
      crashed[i] = std::current_exception();
    }
  });
  // keep[i] from here on: set only for a story read.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (keep[i] && !loaded[i])
      keep[i].reset();
    else
      kept += keep[i] ? 1 : 0;
  if (index_file) {
    auto entries = entries_of(loaded, keep, kept);
    if (!index.holds_exactly(entries)) index.save(std::move(entries));
  }
  out.parsed = parsed;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (crashed[i]) std::rethrow_exception(crashed[i]);
    if (!loaded[i]) out.problems.push_back({std::move(files[i]), failed[i]});
  }
  // The current layout first so that lookups prefer it over an older copy.
  const auto stories = stories_dir();
  auto rank = [&](const story& s) { return in_story_folder_of(s.file_text(), stories) ? 0 : 1; };
  // Each key once per story, not twice per comparison: reading a story's id
  // is a lookup in its YAML, which made this sort a large part of `status`
  // on a 10,000-story board. The stories move once, from where they were read
  // into their order: one vector of them less at the peak.
  using sort_key = std::tuple<long, std::string, int, std::string_view>;
  std::vector<std::pair<sort_key, std::size_t>> keyed;
  keyed.reserve(files.size());
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i]) continue;
    const auto& st = *loaded[i];
    const auto id = st.id();
    keyed.push_back({{id_number(id), ascii_lower(id), rank(st), st.file_text()}, i});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.stories.reserve(keyed.size());
  for (const auto& k : keyed)
    out.stories.push_back(std::move(*loaded[k.second]));
  std::unordered_map<std::string, const story*> first; // only looked up: no order needed
  for (const auto& s : out.stories) {
    auto [it, fresh] = first.emplace(ascii_lower(s.id()), &s);
    if (!fresh)
      out.problems.push_back(
          {s.file(),
           fmt::format("{}: id {} is also used by {}; lookups by id use {}. Give one of "
                       "them a new id or remove the stale copy",
                       rel(s.file()), s.id(), rel(it->second->file()), rel(it->second->file())),
           true});
  }
  return out;
}

board_listing board::listing() const {
  board_listing out;
  out.taken_at_ns = now_ns();
  out.files = story_files(out.problems);
  return out;
}

story board::find(std::string_view id_or_slug) const {
  if (!is_safe_name(id_or_slug))
    throw bad_input(fmt::format("'{}' is not a story id or slug (letters, digits, '-', '_', '.' "
                                "only; no paths)",
                                id_or_slug));
  auto key = ascii_lower(id_or_slug);
  // Fast path: an id names its folder in the current layout. Parsing one file
  // instead of the whole board keeps per-story work O(1) in big runs.
  for (auto candidate : {std::string(id_or_slug), ascii_upper(std::string(id_or_slug))}) {
    auto file = stories_dir() / candidate / "story.md";
    std::error_code ec;
    // Links are the full scan's to judge (and report).
    if (stdfs::is_symlink(file.parent_path(), ec) || !stdfs::is_regular_file(file, ec)) continue;
    try {
      auto s = story::load(file);
      if (ascii_lower(s.id()) == key) return s;
    } catch (const error&) {
      break; // unreadable: the full scan below reports it properly
    }
  }
  auto all = scan();
  // The scan holds summaries; the caller gets the whole story.
  for (const auto& s : all.stories)
    if (ascii_lower(s.id()) == key) return story::load(s.file());
  std::vector<const story*> by_slug;
  for (const auto& s : all.stories)
    if (s.slug() == id_or_slug) by_slug.push_back(&s);
  if (by_slug.size() == 1) return story::load(by_slug.front()->file());
  if (by_slug.size() > 1) {
    std::vector<std::string> ids;
    for (auto* s : by_slug)
      ids.push_back(s->id());
    throw bad_input(fmt::format("slug '{}' matches several stories ({}); use the id", id_or_slug,
                                fmt::join(ids, ", ")));
  }
  for (const auto& p : all.problems)
    if (p.file.parent_path().filename() == std::string(id_or_slug) ||
        p.file.stem() == std::string(id_or_slug))
      throw bad_input(fmt::format("story '{}' cannot be read: {}", id_or_slug, p.message));
  throw bad_input(fmt::format("no story '{}' on the board at {}; `sdlc-actors status` lists them",
                              id_or_slug, rel(sdlc_dir())));
}

story board::add(const new_story& spec) {
  check_new_story(spec);
  auto all = scan();
  std::vector<std::string> deps; // as the board spells them
  for (const auto& dep : spec.depends_on) {
    auto it = std::find_if(all.stories.begin(), all.stories.end(),
                           [&](const story& s) { return ascii_lower(s.id()) == ascii_lower(dep); });
    if (it == all.stories.end())
      throw bad_input(fmt::format("--depends-on {}: no such story on the board", dep));
    deps.push_back(it->id());
  }
  stdfs::create_directories(stories_dir());
  fs::spread_subfolders(stories_dir()); // before the story's folder is made

  auto slug = slugify(spec.title);
  auto slug_taken = [&](const std::string& candidate) {
    return std::any_of(all.stories.begin(), all.stories.end(),
                       [&](const story& s) { return s.slug() == candidate; });
  };
  for (int n = 2; slug_taken(slug); ++n)
    slug = fmt::format("{}-{}", slugify(spec.title), n);

  long max_priority = 0;
  long next = 1;
  for (const auto& s : all.stories) {
    next = std::max(next, id_number(s.id()) + 1);
    if (s.priority() != std::numeric_limits<long>::max())
      max_priority = std::max(max_priority, s.priority());
  }
  // Folders that exist but hold no readable story still reserve their number.
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(stories_dir(), ec))
    next = std::max(next, id_number(e.path().filename().string()) + 1);

  // Compose the story in a private folder, then publish it with one rename.
  auto staging = stories_dir() / fmt::format(".new-{}-{:x}", ::getpid(), std::random_device{}());
  stdfs::create_directories(staging);
  struct cleanup_t {
    stdfs::path p;
    ~cleanup_t() {
      std::error_code e;
      stdfs::remove_all(p, e);
    }
  } cleanup{staging};

  for (int attempt = 0; attempt < 10000; ++attempt, ++next) {
    auto id = fmt::format("S-{:04}", next);
    auto fm = frontmatter_of(spec, id, slug, max_priority, deps, cfg_.default_labels);
    auto text = "---\n" + fm + "---\n" + spec.body.value_or(default_body(spec.title));
    // Validate exactly what we are about to publish.
    story::parse(text, stories_dir() / id / "story.md");
    fs::atomic_write(staging / "story.md", text);

    auto target = stories_dir() / id;
    if (::rename(staging.c_str(), target.c_str()) == 0) {
      cleanup.p.clear();
      return story::load(target / "story.md");
    }
    if (errno != EEXIST && errno != ENOTEMPTY)
      throw failure(fmt::format("cannot create {}: {}", target.string(), std::strerror(errno)));
    // Someone else took this id (another `add` racing us): try the next one.
  }
  throw failure("could not allocate a story id after 10000 attempts");
}

story board::update(std::string_view id_or_slug, const std::function<void(story&)>& change) {
  return update_file(find(id_or_slug).file(), change);
}

void board::release_story_lock(const stdfs::path& story_file) noexcept {
  file_lock::remove_if_free(lock_file_for(story_file));
}

story board::update_file(const stdfs::path& file, const std::function<void(story&)>& change,
                         story_cache* cache, file_lock::on_release lock_file) {
  require_writable(file);
  auto id = file.parent_path().filename().string();
  file_lock lock(lock_file_for(file), cfg_.lock_timeout, fmt::format("story {}", id), lock_file);
  // And ai-sdlc's, so that the two tools on one board never interleave a
  // write (and we never read a story ai-sdlc is half-way through writing).
  peer_lock peer(file, cfg_.lock_timeout, fmt::format("story {}", id));
  // Re-read under the lock: the caller's copy may be stale.
  auto text = fs::read_file(file, max_story_bytes);
  auto current = cache ? cache->parse(text, file) : story::parse(text, file);
  // What the change is compared with: a write is skipped only when it would
  // not change what a render gives (a file written by hand is not rewritten
  // for its formatting alone). The render of a file we wrote is its text.
  std::optional<std::string> known = cache ? cache->render_of(text, file) : std::nullopt;
  auto before = known ? std::move(*known) : current.render();
  change(current);
  auto after = current.render();
  if (after != before) {
    auto back = story::parse(after, file); // never write something we could not read back
    fs::atomic_write(file, after);
    if (cache) cache->remember(std::move(after), std::move(back));
  }
  return current;
}

stdfs::path find_project_root(const stdfs::path& start) {
  std::error_code ec;
  auto dir = stdfs::weakly_canonical(stdfs::absolute(start), ec);
  for (auto p = dir; !p.empty(); p = p.parent_path()) {
    if (find_config_file(p) || stdfs::is_directory(p / ".ai-sdlc", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return dir;
}

} // namespace sdlc
