#pragma once
// host:port of a node, as users type it (`--node hostA:4242`, `nodes:` in a
// batch file, `node --listen 127.0.0.1:4242`). IPv6 in brackets: [::1]:4242.
#include <cstdint>
#include <string>

namespace sdlc {

struct endpoint {
  std::string host;
  uint16_t port = 0;
  std::string text() const;
};

// Throws bad_input naming `what` (e.g. "--node") and the expected form.
endpoint parse_endpoint(const std::string& s, const std::string& what);

} // namespace sdlc
