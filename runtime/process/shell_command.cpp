#include "runtime/process/shell_command.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace sdlc {

namespace {

bool plain_char(char c, bool first_word) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
  case '_':
  case '.':
  case '/':
  case '@':
  case '%':
  case '+':
  case ',':
  case ':':
  case '-':
    return true;
  case '=': // `A=b cmd` is an assignment to the shell
    return !first_word;
  default:
    return false;
  }
}

// Words separated by spaces, or nothing when the line holds shell syntax.
std::vector<std::string> plain_words(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : line) {
    if (c == ' ') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (!plain_char(c, words.empty())) return {};
    cur += c;
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool directly_executable(const std::filesystem::path& file) {
  // Not executable: the shell's own message and exit code (126) say so.
  if (::access(file.c_str(), X_OK) != 0) return false;
  std::ifstream in(file, std::ios::binary);
  char head[4] = {};
  if (!in.read(head, 4)) return false;
  return (head[0] == '#' && head[1] == '!') ||
         (head[0] == '\x7f' && head[1] == 'E' && head[2] == 'L' && head[3] == 'F');
}

} // namespace

std::vector<std::string> command_argv(const std::string& command, const std::string& cwd) {
  auto words = plain_words(command);
  if (!words.empty() && words.front().find('/') != std::string::npos) {
    std::filesystem::path program(words.front());
    if (program.is_relative() && !cwd.empty()) program = std::filesystem::path(cwd) / program;
    if (directly_executable(program)) return words;
  }
  return {"/bin/sh", "-c", command};
}

} // namespace sdlc
