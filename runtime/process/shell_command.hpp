#pragma once
// How a configured command line (agent.command, testCommand, a notification
// command) is started. The user's text is always what runs: a line that is a
// path to a script or program followed by plain words — nothing a shell would
// expand, quote, redirect or look up as a builtin — is started directly, as
// `sh -c` would start it, one process start fewer per agent action; any
// other line goes to `/bin/sh -c` exactly as given.
#include <string>
#include <vector>

namespace sdlc {

// {"/bin/sh", "-c", command}, or the program and its words when the line
// qualifies: its first word contains a '/' (so no builtin or PATH lookup
// applies), every character is a letter, a digit, a space or one of
// `_./@%+,:-` (and `=` after the first word), and the program is an executable file that
// starts with `#!` or is an ELF binary (a script without `#!` is one only the
// shell knows how to run). Relative paths are read from `cwd`.
std::vector<std::string> command_argv(const std::string& command, const std::string& cwd = {});

} // namespace sdlc
