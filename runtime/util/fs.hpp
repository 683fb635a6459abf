#pragma once
// File primitives every writer on the board goes through.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sdlc::fs {

namespace stdfs = std::filesystem;

// "a FIFO (named pipe)", "a device", ... for a st_mode that is no regular file.
std::string kind_of_file(unsigned mode);

// Reads a whole file. Refuses files over `max_bytes`, and anything but a
// regular file (a FIFO would block), with an error naming the file.
std::string read_file(const stdfs::path& file, std::size_t max_bytes = 64u << 20);

// Replaces `file` atomically: a temp file in the same directory, fsync, rename,
// fsync of the directory. Readers see the old or the new content, never a mix;
// a crash leaves at worst a stray temp file (named `.<name>.tmp.*`), never a
// truncated target.
void atomic_write(const stdfs::path& file, std::string_view content);

// As atomic_write, without the two fsyncs: for files that are made again
// from durable state whenever they are needed (a prompt written for the
// agent about to read it). A process killed mid-write still leaves the old
// or the new content; only a power loss can lose the new one.
void atomic_replace_cached(const stdfs::path& file, std::string_view content);

// Asks the file system to place each new subfolder of `dir` apart from the
// others: ext4's flag for the top of a directory hierarchy (`chattr +T`, as on
// /home). Story folders are unrelated to each other, and a story's files are
// made and replaced in its own folder. Packed into one block group, they make
// an ext4 without a journal step past every inode freed in that group in the
// last 30 s for each new file (docs/benchmarks.md, "Story folders apart").
// Best effort and idempotent: a file system without the flag refuses it and
// nothing changes; folders that exist stay where they are.
void spread_subfolders(const stdfs::path& dir) noexcept;

// Whether `dir` carries that flag; nullopt when its file system has no flags.
std::optional<bool> spreads_subfolders(const stdfs::path& dir);

// Whether the open file `fd` is still the one at `path` (same device and
// inode): false once `path` is gone or names a newer file. Lock files that
// are unlinked on release are checked with it after their flock.
bool same_file(int fd, const stdfs::path& path);

// Offset of the first byte that is not valid UTF-8, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// 1-based line number of byte `offset` in `text`.
std::size_t line_of_offset(std::string_view text, std::size_t offset);

// `file` relative to `base` when it lies below it, for shorter error messages.
std::string display_path(const stdfs::path& file, const stdfs::path& base);

// The pid of the writer that made `filename` when it is a private working
// name: atomic_write's ".<name>.tmp.<pid>.<n>.<hex>" or board::add's staging
// folder ".new-<pid>-<hex>". A killed writer leaves them; cleanup removes
// those whose writer is gone.
std::optional<long> leftover_writer_pid(std::string_view filename);

// A private file in the temp folder holding `content`, removed with this
// object: what a child process reads (its stdin, an input file). path() is
// empty when it could not be written.
class scratch_file {
public:
  explicit scratch_file(std::string_view content);
  ~scratch_file();
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  const stdfs::path& path() const { return path_; }

private:
  stdfs::path path_;
};

} // namespace sdlc::fs
