#pragma once
// ai-sdlc's lock on a story file, taken beside ours so that the two tools
// writing one board serialize their writes (proper-lockfile, as ai-sdlc's
// src/core/story/io.ts uses it): a directory `<realpath of story.md>.lock`,
// created atomically with mkdir, its mtime refreshed while held, stale — and
// taken over — when its mtime is older than 10 s, removed on release.
#include <chrono>
#include <filesystem>
#include <string>

namespace sdlc {

// proper-lockfile's default, and what ai-sdlc uses.
constexpr std::chrono::milliseconds peer_lock_stale{10000};

class peer_lock {
public:
  // Waits up to `timeout` for a live lock; takes over a stale one. Throws
  // sdlc::error naming `what`, the lock directory and what to do.
  peer_lock(const std::filesystem::path& file, std::chrono::milliseconds timeout,
            const std::string& what);
  ~peer_lock();
  peer_lock(const peer_lock&) = delete;
  peer_lock& operator=(const peer_lock&) = delete;

  // The lock directory for `file` (ai-sdlc resolves links first).
  static std::filesystem::path dir_for(const std::filesystem::path& file);
  // Whether a lock directory was last refreshed longer ago than the stale limit.
  static bool stale(const std::filesystem::path& lock_dir);

private:
  std::filesystem::path dir_;
};

} // namespace sdlc
