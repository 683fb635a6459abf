#include "runtime/process/run_captured.hpp"

#include <future>
#include <mutex>

namespace sdlc {

captured_run run_captured(const spawn_spec& spec, std::chrono::milliseconds timeout) {
  captured_run r;
  std::mutex m;
  std::promise<process_exit> done;
  auto exited = done.get_future();
  child_process child(
      spec,
      [&](std::string line, bool from_stderr) {
        std::lock_guard<std::mutex> lock(m);
        (from_stderr ? r.err : r.out) += line + "\n";
        r.combined += line + "\n";
      },
      [&](process_exit e) { done.set_value(e); });
  r.timed_out = timeout.count() > 0 && exited.wait_for(timeout) == std::future_status::timeout;
  if (r.timed_out) child.kill();
  r.exit = exited.get();
  std::lock_guard<std::mutex> lock(m); // the reader thread has reported its last line
  return r;
}

} // namespace sdlc
