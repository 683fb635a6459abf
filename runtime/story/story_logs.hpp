#pragma once
// A story's log files (`stories/<ID>/logs/<timestamp>.log`, one per run, as
// ai-sdlc names them) and the choices `logs` makes over them.
#include <filesystem>
#include <string>
#include <vector>

namespace sdlc {

// The .log files in `dir`, oldest first (names are timestamps).
std::vector<std::filesystem::path> story_log_files(const std::filesystem::path& dir);

// The file `logs -f <timestamp>` means: `<timestamp>.log`, or the one file
// whose name starts with it (ai-sdlc's names have no zone, ours end in Z).
// Throws bad_input naming the folder and the timestamps there.
std::filesystem::path pick_story_log(const std::vector<std::filesystem::path>& files,
                                     const std::string& timestamp,
                                     const std::filesystem::path& dir);

// The last `n` lines of `text` (all of it when it has fewer).
std::string last_lines(const std::string& text, int n);

} // namespace sdlc
