#pragma once
// One exception type for every user-facing failure. The message must name the
// file, key or story involved and say what to do; the CLI prints it verbatim
// and exits with `exit_code`.
#include <stdexcept>
#include <string>

namespace sdlc {

enum class exit_code : int {
  ok = 0,
  failure = 1,   // the operation ran and failed (lock timeout, git error, ...)
  bad_input = 2, // the user's input, a file on the board or the config is wrong
};

class error : public std::runtime_error {
public:
  error(exit_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  exit_code code() const noexcept { return code_; }

private:
  exit_code code_;
};

inline error bad_input(const std::string& message) {
  return error(exit_code::bad_input, message);
}
inline error failure(const std::string& message) {
  return error(exit_code::failure, message);
}

} // namespace sdlc
