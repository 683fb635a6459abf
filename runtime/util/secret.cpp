#include "runtime/util/secret.hpp"

namespace sdlc {

bool same_secret(std::string_view presented, std::string_view ours) {
  unsigned char diff = presented.size() == ours.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i] ^ (i < ours.size() ? ours[i] : 0));
  return diff == 0 && !ours.empty();
}

} // namespace sdlc
