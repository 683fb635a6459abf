#pragma once
// Follows the frames of a CAF 0.17 BASP byte stream (a 32-byte header whose
// bytes 4..7 are the payload length, big-endian, then the payload) without
// decoding them: enough for a node's gatekeeper to refuse a peer that
// claims a payload larger than anything it may send before it has proved
// the shared secret — CAF would allocate the claim as soon as it read the
// header. Pure: tested on bytes alone.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sdlc {

class basp_frame_scanner {
public:
  static constexpr std::size_t header_size = 32;
  explicit basp_frame_scanner(uint32_t max_payload) : max_payload_(max_payload) {}

  // The next bytes of the stream; a description of the first frame that
  // breaks the rules (too large, unknown operation), or nullopt.
  std::optional<std::string> feed(std::string_view bytes);
  std::size_t frames() const { return frames_; }

private:
  uint32_t max_payload_;
  unsigned char header_[header_size] = {};
  std::size_t in_header_ = 0; // header bytes seen of the current frame
  uint64_t payload_left_ = 0; // payload bytes still to skip
  std::size_t frames_ = 0;
};

} // namespace sdlc
