#include "runtime/story/migrate_layout.hpp"

#include "runtime/util/fs.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <set>

namespace sdlc {

namespace stdfs = std::filesystem;

namespace {

const char* old_folders[] = {"backlog", "ready", "in-progress", "done", "blocked"};

void plan_one(const board& b, const stdfs::path& file, const std::string& folder, bool loose,
              std::set<std::string>& ids, layout_plan& plan) {
  std::optional<story> s;
  try {
    s = story::load(file);
  } catch (const std::exception& e) {
    plan.errors.push_back(e.what());
    return;
  }
  layout_move m;
  m.from = loose ? file : file.parent_path();
  m.id = s->id();
  m.status = folder;
  if (!ids.insert(m.id).second) {
    plan.errors.push_back(fmt::format("duplicate story id {} in {}", m.id, b.rel(file)));
    return;
  }
  m.to = b.stories_dir() / m.id / "story.md";
  std::error_code ec;
  if (stdfs::exists(m.to.parent_path(), ec)) {
    plan.errors.push_back(fmt::format("{} and {} are both story {}: keep one, then migrate",
                                      b.rel(file), b.rel(m.to.parent_path()), m.id));
    return;
  }
  if (loose) {
    std::smatch match;
    auto name = file.stem().string();
    if (std::regex_match(name, match, std::regex("(\\d+)-(.+)"))) {
      m.priority = std::stol(match[1]);
      m.slug = match[2];
    } else {
      m.slug = name;
    }
  }
  plan.moves.push_back(std::move(m));
}

} // namespace

layout_plan plan_layout_migration(const board& b) {
  layout_plan plan;
  std::error_code ec;
  if (stdfs::exists(b.sdlc_dir() / ".migrated", ec)) {
    plan.already_migrated = true;
    return plan;
  }
  std::set<std::string> ids;
  for (const auto& entry : stdfs::directory_iterator(b.stories_dir(), ec))
    ids.insert(entry.path().filename().string());
  for (const char* folder : old_folders) {
    auto dir = b.sdlc_dir() / folder;
    if (!stdfs::is_directory(dir, ec)) continue;
    std::vector<std::string> others;
    for (const auto& e : stdfs::directory_iterator(dir, ec)) {
      if (e.is_directory(ec) && stdfs::is_regular_file(e.path() / "story.md", ec))
        plan_one(b, e.path() / "story.md", folder, false, ids, plan);
      else if (e.is_regular_file(ec) && e.path().extension() == ".md")
        plan_one(b, e.path(), folder, true, ids, plan);
      else
        others.push_back(e.path().filename().string());
    }
    if (!others.empty())
      plan.warnings.push_back(
          fmt::format("{}/ keeps what is not a story: {}", folder, fmt::join(others, ", ")));
  }
  return plan;
}

stdfs::path migrate_layout(const board& b, const layout_plan& plan, bool backup) {
  stdfs::path backup_dir;
  if (backup) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    backup_dir = b.project_root() / fmt::format(".ai-sdlc-backup-{}", ms);
    stdfs::copy(b.sdlc_dir(), backup_dir, stdfs::copy_options::recursive);
  }
  stdfs::create_directories(b.stories_dir());
  fs::spread_subfolders(b.stories_dir());
  for (const auto& m : plan.moves) {
    bool loose = stdfs::is_regular_file(m.from);
    if (!loose) stdfs::rename(m.from, m.to.parent_path()); // its logs and state go along
    auto s = story::load(loose ? m.from : m.to);
    s.set_string("status", m.status);
    if (m.priority) s.set_number("priority", *m.priority);
    if (!m.slug.empty()) s.set_string("slug", m.slug);
    stdfs::create_directories(m.to.parent_path());
    fs::atomic_write(m.to, s.render());
    if (loose) stdfs::remove(m.from);
  }
  for (const char* folder : old_folders) {
    std::error_code ec;
    auto dir = b.sdlc_dir() / folder;
    if (stdfs::is_directory(dir, ec) && stdfs::is_empty(dir, ec)) stdfs::remove(dir, ec);
  }
  fs::atomic_write(b.sdlc_dir() / ".migrated", nlohmann::json{{"version", 2},
                                                              {"migratedAt", time::now_iso8601()},
                                                              {"storiesCount", plan.moves.size()}}
                                                       .dump(2) +
                                                   "\n");
  return backup_dir;
}

} // namespace sdlc
