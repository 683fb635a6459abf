#include "runtime/remote/basp_frames.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdlc {

std::optional<std::string> basp_frame_scanner::feed(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (payload_left_ > 0) {
      auto skip = std::min<uint64_t>(payload_left_, bytes.size() - i);
      payload_left_ -= skip;
      i += static_cast<std::size_t>(skip);
      continue;
    }
    header_[in_header_++] = static_cast<unsigned char>(bytes[i++]);
    if (in_header_ < header_size) continue;
    in_header_ = 0;
    ++frames_;
    const unsigned op = header_[0];
    const uint32_t len = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
                         (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
    if (op > 0x06) return fmt::format("frame {} is no BASP (operation byte 0x{:02x})", frames_, op);
    if (len > max_payload_)
      return fmt::format("frame {} claims a {} byte payload (at most {} before the token)", frames_,
                         len, max_payload_);
    payload_left_ = len;
  }
  return std::nullopt;
}

} // namespace sdlc
