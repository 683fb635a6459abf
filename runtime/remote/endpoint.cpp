#include "runtime/remote/endpoint.hpp"

#include "runtime/util/error.hpp"

#include <fmt/format.h>

namespace sdlc {

std::string endpoint::text() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

endpoint parse_endpoint(const std::string& s, const std::string& what) {
  auto bad = [&] {
    return bad_input(
        fmt::format("{} '{}': expected host:port, e.g. 127.0.0.1:4242 or [::1]:4242", what, s));
  };
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) throw bad();
  std::string host = s.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) throw bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    throw bad();
  }
  auto port_text = s.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5)
    throw bad();
  int port = std::stoi(port_text);
  if (port < 1 || port > 65535) throw bad();
  return endpoint{host, static_cast<uint16_t>(port)};
}

} // namespace sdlc
