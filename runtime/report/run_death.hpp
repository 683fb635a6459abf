#pragma once
// A run that dies (SIGKILL, the OOM killer, a crash) never writes its
// journal's last line, and `runs` could only say it "stopped early (killed, or
// still running)". The run tells its guard (runtime/workflow/run_guard), which
// outlives it, where its journal is; the guard ends it with a `run_died` line
// naming what it stopped: `runs` and `report` then say the run died, and when.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

// What a guard stopped for a dead run: one process group.
struct stopped_group {
  std::string story; // or the landing batch's ids
  std::string what;  // "agent", "landing check"
  long pgid = 0;
};

// What a run tells its guard, before the journal's path.
inline constexpr char journal_told_prefix[] = "journal ";

// The `run_died` line: when the guard saw the run gone, its pid, what it stopped.
nlohmann::json run_died_line(int64_t at_ms, long pid, const std::vector<stopped_group>& stopped);

// Appends `line` to a journal whose writer is dead, unless its last whole line
// already ends the run (run_finished: the run was killed as it shut down;
// run_died: a guard's second look); returns whether it wrote. A last line the
// kill cut short is cut off first (no reader could use it, and it would no
// longer be the last), then the line is written and synced. Throws
// sdlc::failure naming the file.
bool end_dead_journal(const std::filesystem::path& file, const nlohmann::json& line);

} // namespace sdlc
