#pragma once
// The stand-in's script: what to answer per story and action.
#include <string>
#include <map>
#include <vector>

namespace stub {

struct file_write {
  std::string path; // relative paths resolve against the CLI's working directory
  std::string content;
};

struct file_edit {
  std::string path;
  std::string old_text;
  std::string new_text;
};

struct step {
  std::string text = "Done.";
  std::vector<file_write> writes;
  std::vector<file_edit> edits;
  // Whole new contents for files that exist: the CLI's Write refuses a file
  // it has not read, so a round of Reads precedes them.
  std::vector<file_write> rewrites;
  // review: one decision per call (APPROVED / REJECTED); the last one repeats
  std::vector<std::string> decisions;
  long latency_ms = -1; // -1: the script's default
  std::string text_for(long call_no) const;
};

struct script {
  long latency_ms = 0;
  long rate_requests = 0; // > 0: answer 429 beyond this many requests per window
  long rate_window_ms = 60000;
  int fail_status = 529;
  long fail_count = 0;             // answer fail_status to N requests ...
  long fail_after = 0;             // ... after this many were answered normally
  long fail_retry_after_ms = 1000; // the retry-after those failures carry
  // Texts looked for in each request body; the log line lists those found
  // (`seen`), so a test can tell what reached the API without logging prompts.
  std::vector<std::string> watch_for;
  step fallback;
  std::map<std::string, step> actions;                        // action -> step (any story)
  std::map<std::string, std::map<std::string, step>> stories; // story -> action -> step
  const step& step_for(const std::string& story, const std::string& action) const;
};

script load_script(const std::string& file);

} // namespace stub
