#pragma once
// Advisory lock shared by every process that writes the board.
//
// Mutual exclusion comes from flock(2) on a lock file next to the protected
// file, so a holder that dies releases it with its last descriptor. The file
// also carries the holder's pid, start time and command line: that is how a
// timeout names who holds the lock, and how a lock left behind by a dead process
// is recognised (and simply taken over). The holder unlinks the file on release,
// so a clean board has no lock files — except that a writer which takes the
// same lock many times in a row (a story session) may keep the file, emptied,
// between its writes and remove it when it is done (remove_if_free): on a
// disk, a new inode and a deletion per write were an eighth of a story's
// file-system cost (docs/benchmarks.md).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

struct lock_holder {
  long pid = 0;
  std::string command;
  std::string since; // ISO-8601, UTC
  bool alive = false;
};

class file_lock {
public:
  enum class on_release {
    remove_file, // the file goes with the lock
    keep_file,   // emptied (it names no holder) and left for the next take
  };

  // Blocks up to `timeout`. `what` describes the protected thing for errors
  // ("story S-0001"). Throws sdlc::error on timeout, naming the holder.
  file_lock(std::filesystem::path lock_file, std::chrono::milliseconds timeout, std::string what,
            on_release release = on_release::remove_file);
  ~file_lock();
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

  // The dead holder whose stale lock file we took over, if any.
  const std::optional<lock_holder>& took_over() const { return took_over_; }

  static std::optional<lock_holder> read_holder(const std::filesystem::path& lock_file);
  // Whether some process holds the flock on `lock_file` right now.
  static bool held(const std::filesystem::path& lock_file);
  // Removes a kept lock file unless someone holds it now (then its holder
  // decides). Never creates the file, never waits, never throws.
  static void remove_if_free(const std::filesystem::path& lock_file) noexcept;

private:
  std::filesystem::path path_;
  int fd_ = -1;
  on_release release_ = on_release::remove_file;
  std::optional<lock_holder> took_over_;
};

// Who holds a lock, for an error: "pid 12 (sdlc-actors run) since <when>",
// or "an unknown process" when its file names nobody.
std::string describe_holder(const std::optional<lock_holder>& holder);

// Whether a process with this pid exists (zombies count as gone).
bool process_alive(long pid);

// The command line of this process, for lock files and logs.
std::string self_command_line();

} // namespace sdlc
