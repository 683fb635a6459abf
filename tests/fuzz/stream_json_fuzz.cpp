// libFuzzer target: Claude Code stream-json lines. Never throws, whatever comes.
#include "runtime/agent/stream_event.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    auto line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    for (const auto& e : sdlc::parse_stream_line(line))
      (void)e.text.size();
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return 0;
}
