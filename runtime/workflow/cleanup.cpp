#include "runtime/workflow/cleanup.hpp"

#include "runtime/git/worktree_ownership.hpp"
#include "runtime/git/worktree_service.hpp"
#include "runtime/util/error.hpp"
#include "runtime/story/peer_lock.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/story/run_lock.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/workflow/workflow_state.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unistd.h>

namespace sdlc {

namespace stdfs = std::filesystem;

std::string cleanup_action::kind() const {
  auto past = verb == "remove"  ? "removed"
              : verb == "prune" ? "pruned"
              : verb == "stop"  ? "stopped"
                                : verb + "ed";
  return past + " " + object;
}

std::string describe(const cleanup_action& a, bool dry_run) {
  auto head = !a.done   ? "kept " + a.object
              : dry_run ? "would " + a.verb + " " + a.object
                        : a.kind();
  return fmt::format("{}: {}{}", head, a.what, a.note.empty() ? "" : " — " + a.note);
}

namespace {

int64_t folder_bytes(const stdfs::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (stdfs::recursive_directory_iterator
           it(dir, stdfs::directory_options::skip_permission_denied, ec),
       end;
       it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && !it->is_symlink(ec))
      total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

// A worktree's `.git` file is written once, when it is made.
double age_days_of(const stdfs::path& wt) {
  std::error_code ec;
  auto t = stdfs::last_write_time(wt / ".git", ec);
  if (ec) return 0;
  auto age = stdfs::file_time_type::clock::now() - t;
  return std::chrono::duration<double>(age).count() / 86400.0;
}

// "S-0001-add-a-thing" -> the story owning it, if it is on the board.
const story* owner_of(const std::string& name, const std::vector<story>& all) {
  for (const auto& s : all)
    if (git::worktree_service::name_for(s.id(), s.slug()) == name || name == s.id()) return &s;
  return nullptr;
}

// Sizes are a walk of every worktree: done once per call, for the listing given.
std::vector<worktree_usage> usages_of(const std::vector<git::worktree_listing>& listing,
                                      const std::vector<story>& all) {
  std::vector<worktree_usage> out;
  for (const auto& l : listing) {
    if (!l.valid) continue;
    worktree_usage u;
    u.name = l.name;
    u.path = l.path;
    if (const auto* s = owner_of(l.name, all)) {
      u.story_id = s->id();
      u.done = s->status() == story_status::done;
    }
    u.bytes = folder_bytes(l.path);
    u.age_days = age_days_of(l.path);
    out.push_back(std::move(u));
  }
  return out;
}

} // namespace

std::vector<worktree_usage> worktree_usages(const board& b) {
  return usages_of(git::worktree_service(b.project_root(), b.cfg().worktree_base_path).list(),
                   b.scan().stories);
}

namespace {

// One cleanup, step by step: each step adds what it did to the report.
class cleaner {
public:
  cleaner(board& b, const cleanup_options& o, const std::vector<story>& all)
      : b_(b), o_(o), all_(all), wts_(b.project_root(), b.cfg().worktree_base_path),
        common_dir_(wts_.common_dir()) {}

  cleanup_report run() {
    registered_worktrees();
    done_worktrees();
    orphaned_folders();
    run_lock();
    if (o_.stop_leftovers) leftover_processes();
    for (const auto& s : all_)
      story_leftovers(s, listing_of(s.dir()));
    killed_writers();
    return std::move(r_);
  }

private:
  void add(std::string verb, std::string object, std::string what, bool done = true,
           std::string note = {}) {
    r_.actions.push_back(
        {std::move(verb), std::move(object), std::move(what), done, std::move(note)});
  }

  // Removes a registered worktree of ours; false (and why) when it stays.
  bool remove_ours(const std::string& name, const std::string& id, std::string& why) {
    if (o_.dry_run) return true;
    try {
      wts_.remove_owned(name, id, o_.force);
      return true;
    } catch (const error& e) {
      why = e.what();
      return false;
    }
  }

  // 1. git's worktrees: stale metadata, our worktrees without a story.
  void registered_worktrees() {
    for (const auto& l : wts_.list()) {
      known_.insert(stdfs::weakly_canonical(l.path));
      if (!l.valid) {
        if (!o_.dry_run) wts_.prune_stale(l.name);
        add("prune", "stale worktree metadata", l.name, true, "its folder was deleted");
        continue;
      }
      if (owner_of(l.name, all_) || !git::owned_worktree(l.path, common_dir_)) continue;
      std::string note = "no story on the board owns it; its branch stays";
      bool ok = remove_ours(l.name, l.name, note);
      add("remove", "worktree without a story", b_.rel(l.path), ok, note);
    }
  }

  // Why a done story's worktree goes now, or "" when it stays.
  std::string why_remove(const worktree_usage& u, long count, int64_t total) const {
    const auto& lim = b_.cfg().worktrees;
    if (o_.remove_done) return "its story is done; the branch stays";
    if (lim.max_age_days > 0 && u.age_days > lim.max_age_days)
      return fmt::format("older than worktree.maxAgeDays ({})", lim.max_age_days);
    if (lim.max_count > 0 && count + o_.room_for > lim.max_count)
      return fmt::format("more than worktree.maxCount ({}) worktrees", lim.max_count);
    if (lim.max_total_mb > 0 && total > lim.max_total_mb * 1024 * 1024)
      return fmt::format("worktrees over worktree.maxTotalSizeMb ({})", lim.max_total_mb);
    return {};
  }

  // 2. Done stories' worktrees: all (cleanup) or oldest first within the limits (run).
  void done_worktrees() {
    auto usages = usages_of(wts_.list(), all_); // after step 1's removals
    std::vector<worktree_usage> done;
    for (const auto& u : usages)
      if (u.done && git::owned_worktree(u.path, common_dir_)) done.push_back(u);
    std::sort(done.begin(), done.end(), [](const worktree_usage& x, const worktree_usage& y) {
      return x.age_days > y.age_days;
    });
    long count = static_cast<long>(usages.size());
    int64_t total = 0;
    for (const auto& u : usages)
      total += u.bytes;
    for (const auto& u : done) {
      std::string why = why_remove(u, count, total);
      if (why.empty()) continue;
      bool ok = remove_ours(u.name, u.story_id, why);
      if (ok && !o_.dry_run) try {
          b_.update(u.story_id, [](story& s) { s.erase("worktree_path"); });
        } catch (const error& e) {
          why += fmt::format(" (its story still names the worktree: {})", e.what());
        }
      if (ok) {
        --count;
        total -= u.bytes;
        if (!o_.dry_run)
          usages.erase(std::remove_if(usages.begin(), usages.end(),
                                      [&](const worktree_usage& x) { return x.name == u.name; }),
                       usages.end());
      }
      add("remove", "worktree", b_.rel(u.path), ok, why);
    }
    r_.remaining = usages;
  }

  // 3. Folders of ours under the worktree base that git no longer knows (its
  // metadata was deleted). Anything else there is the user's: not touched.
  void orphaned_folders() {
    std::error_code ec;
    if (!stdfs::is_directory(wts_.base_path(), ec)) return;
    for (const auto& e : stdfs::directory_iterator(wts_.base_path(), ec)) {
      if (!e.is_directory() || e.is_symlink() || known_.count(stdfs::weakly_canonical(e.path())))
        continue;
      auto marker = git::owned_worktree(e.path(), common_dir_);
      if (!marker) continue;
      auto changed = git::orphan_differences(e.path(), b_.project_root(), marker->branch);
      if (!changed.empty() && !o_.force) {
        add("remove", "orphaned worktree folder", b_.rel(e.path()), false,
            fmt::format("{} differ{} from branch {} ({}{}); `cleanup --force` removes it anyway",
                        changed.size(), changed.size() == 1 ? "s" : "", marker->branch,
                        changed.front(), changed.size() > 1 ? ", ..." : ""));
        continue;
      }
      std::error_code rm;
      if (!o_.dry_run) stdfs::remove_all(e.path(), rm);
      add("remove", "orphaned worktree folder", b_.rel(e.path()), !rm,
          rm ? rm.message() : "git no longer knows it; branch " + marker->branch + " stays");
    }
  }

  // 4. A killed run's lock.
  void run_lock() {
    auto lock = b_.sdlc_dir() / "run.lock";
    if (!stdfs::exists(lock)) return;
    auto holder = file_lock::read_holder(lock);
    if (!holder || holder->alive || holder->pid == ::getpid()) return;
    if (!o_.dry_run) try {
        file_lock take(lock, std::chrono::milliseconds(0), "the board");
      } catch (const error&) {
      }
    add("remove", "stale lock", b_.rel(lock), true,
        fmt::format("left by run pid {}, which is gone", holder->pid));
  }

  // What a killed run left running: only while no live run holds the board
  // (its processes are its own), and holding the run lock meanwhile, so that
  // no run can start an agent between the look and the kill.
  void leftover_processes() {
    const auto path = run_lock_file(b_);
    std::unique_ptr<file_lock> lock;
    if (o_.dry_run) {
      if (file_lock::held(path)) return;
    } else {
      try {
        lock = std::make_unique<file_lock>(path, std::chrono::milliseconds(0), "the board");
      } catch (const error&) {
        return;
      }
    }
    for (const auto& g : find_leftover_agents(b_)) {
      const auto group = g.what + " process group";
      const auto which = fmt::format("{} ({})", g.pgid, g.story);
      try {
        if (!o_.dry_run) stop_left_over_group(g.pgid, g.story, g.what);
        add("stop", group, which, true, "left by an interrupted run");
      } catch (const error& e) {
        add("stop", group, which, false, e.what());
      }
    }
  }

  // What each folder holding stories holds (name -> a symbolic link?),
  // listed once: a story's checks look a name up here instead of asking the
  // file system for each, and a killed writer's leftovers are found in the
  // same listing. Those questions were a quarter of a 10,000-story run's
  // start.
  using listing = std::map<std::string, bool>;
  const listing& listing_of(const stdfs::path& dir) {
    auto [it, fresh] = listings_.try_emplace(dir.string());
    if (fresh) {
      std::error_code ec;
      for (const auto& e : stdfs::directory_iterator(dir, ec))
        it->second.emplace(e.path().filename().string(), e.is_symlink(ec));
    }
    return it->second;
  }

  // A story's file is named in `folder`, as itself (not a link to one).
  static bool plain_in(const listing& folder, const std::string& name) {
    auto it = folder.find(name);
    return it != folder.end() && !it->second;
  }

  // 5. A story pointing at a worktree that is gone, its stale lock, a dead
  // agent pid in its checkpoint (written by builds before 2026-12-04; ours
  // no longer checkpoint a pid, nor does ai-sdlc).
  void story_leftovers(const story& s, const listing& folder) {
    if (auto wt = s.str("worktree_path"); !wt.empty() && !stdfs::exists(b_.project_root() / wt)) {
      if (!o_.dry_run) b_.update(s.id(), [](story& x) { x.erase("worktree_path"); });
      add("clear", "missing worktree", s.id(), true,
          fmt::format("{} is gone; branch {} stays, the next run makes a new worktree", wt,
                      s.str("branch").empty() ? "(none)" : s.str("branch")));
    }
    if (folder.count(board::lock_file_for(s.file()).filename().string())) stale_story_lock(s);
    // ai-sdlc's lock is beside the file a link resolves to: a story file
    // that is a link (or is not listed) is asked about by its real path.
    const auto name = s.file().filename().string();
    if (!plain_in(folder, name) || folder.count(name + ".lock")) stale_peer_lock(s);
    // A done story is never resumed: its checkpoint (kept for its costs) is
    // not read at every run start for a pid nothing will use.
    if (s.status() != story_status::done &&
        folder.count(workflow_state::file_in(s.dir()).filename().string()))
      dead_agent_pid(s);
  }

  // ai-sdlc's lock directory, left by an ai-sdlc that was killed while
  // writing. Either tool would take it over anyway; cleanup says so and tidies.
  void stale_peer_lock(const story& s) {
    auto dir = peer_lock::dir_for(s.file());
    if (!stdfs::is_directory(dir) || !peer_lock::stale(dir)) return;
    if (!o_.dry_run) {
      std::error_code ec;
      stdfs::remove_all(dir, ec);
    }
    add("remove", "stale ai-sdlc lock", b_.rel(dir), true,
        fmt::format("not refreshed for over {} s: the ai-sdlc that held it is gone",
                    peer_lock_stale.count() / 1000));
  }

  void stale_story_lock(const story& s) {
    auto lock = board::lock_file_for(s.file());
    if (!stdfs::exists(lock)) return;
    // flock is the truth: a lock nobody holds is stale, whatever it says.
    // Taking it over is the safe way to remove it (release unlinks it).
    auto holder = file_lock::read_holder(lock);
    bool stale = holder ? !holder->alive : true;
    if (!o_.dry_run) try {
        file_lock take(lock, std::chrono::milliseconds(0), "story " + s.id());
        stale = true;
      } catch (const error&) {
        stale = false; // held right now
      }
    if (stale)
      add("remove", "stale lock", b_.rel(lock), true,
          holder ? fmt::format("left by pid {} ({}), which is gone", holder->pid, holder->command)
                 : std::string("nobody holds it"));
  }

  void dead_agent_pid(const story& s) {
    try {
      auto state = workflow_state::load(s.dir());
      auto cur = state ? state->interrupted() : std::nullopt;
      if (!cur || !cur->pid || process_alive(*cur->pid)) return;
      if (!o_.dry_run) {
        state->forget_process();
        state->save(s.dir());
      }
      add("clear", "dead agent pid", s.id(), true,
          fmt::format("pid {} of its interrupted '{}' is gone; `run --continue` resumes it",
                      *cur->pid, cur->type));
    } catch (const error&) {
      // A corrupt checkpoint is `run`'s to move aside, with its message.
    }
  }

  // 6. Private working files of writers that were killed mid-write: an
  // add's staging folder, an atomic write's temp file. A live writer's are
  // left alone (its pid is alive).
  void killed_writers() {
    std::vector<stdfs::path> dirs = {b_.project_root(), b_.sdlc_dir(), b_.stories_dir()};
    for (const auto& s : all_)
      dirs.push_back(s.dir());
    std::set<std::string> seen;
    for (const auto& dir : dirs) {
      if (!seen.insert(dir.string()).second) continue;
      for (const auto& [name, _] : listing_of(dir)) {
        auto pid = fs::leftover_writer_pid(name);
        if (!pid || process_alive(*pid)) continue;
        std::error_code rm;
        if (!o_.dry_run) stdfs::remove_all(dir / name, rm);
        add("remove", "leftover of a killed writer", b_.rel(dir / name), !rm,
            rm ? rm.message() : fmt::format("written by pid {}, which is gone", *pid));
      }
    }
  }

  board& b_;
  const cleanup_options& o_;
  const std::vector<story>& all_;
  git::worktree_service wts_;
  stdfs::path common_dir_;
  std::set<stdfs::path> known_; // worktree folders git knows
  std::unordered_map<std::string, listing> listings_;
  cleanup_report r_;
};

} // namespace

cleanup_report cleanup_board(board& b, const cleanup_options& o) {
  const auto scan = b.scan();
  return cleaner(b, o, scan.stories).run();
}

cleanup_report cleanup_board(board& b, const cleanup_options& o,
                             const std::vector<story>& stories) {
  return cleaner(b, o, stories).run();
}

void require_worktree_room(const board& b, int new_worktrees,
                           const std::vector<worktree_usage>& remaining) {
  const auto& lim = b.cfg().worktrees;
  long live = 0;
  int64_t live_bytes = 0;
  for (const auto& u : remaining)
    if (!u.done) {
      ++live;
      live_bytes += u.bytes;
    }
  if (lim.max_count > 0 && live + new_worktrees > lim.max_count)
    throw bad_input(fmt::format(
        "this run needs {} new worktree{} and {} unfinished stor{} already have one: more than "
        "worktree.maxCount ({}); run fewer stories, `sdlc-actors cleanup`, or raise the limit",
        new_worktrees, new_worktrees == 1 ? "" : "s", live, live == 1 ? "y" : "ies",
        lim.max_count));
  if (lim.max_total_mb > 0 && live_bytes > lim.max_total_mb * 1024 * 1024)
    throw bad_input(fmt::format("unfinished stories' worktrees already use {} MB, more than "
                                "worktree.maxTotalSizeMb ({}); finish or remove some first",
                                live_bytes / (1024 * 1024), lim.max_total_mb));
}

} // namespace sdlc
