// libFuzzer target: an SSE byte stream in arbitrary chunks, with usage read
// from every event. Never throws.
#include "runtime/api/sse_parser.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sdlc::api_usage usage;
  sdlc::sse_parser parser([&](const sdlc::sse_event& e) { usage.add_from_event(e); });
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks the chunk size, so splits land everywhere.
  std::size_t chunk = size ? (data[0] % 17) + 1 : 1;
  for (std::size_t at = 0; at < bytes.size(); at += chunk)
    parser.feed(bytes.substr(at, chunk));
  parser.finish();
  usage.add_from_message_json(bytes);
  return 0;
}
