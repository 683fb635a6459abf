#pragma once
// The board index on disk: one flat CBOR array (nlohmann's encoder), read
// back with nlohmann's SAX interface straight into index entries. Reading it
// into a JSON tree first cost more than parsing the stories' YAML: 10,000
// stories are ~200,000 small values, and a tree of maps made 160 MB of them.
//
// Layout, every value in one array:
//   version, board, then per story:
//     path, device, inode, size, mtime_ns, ctime_ns, last review decision,
//     number of fields, then per field:
//       key, kind, scalar, flags (1 is_bool, 2 true, 4 is_number), number,
//       number of items, the items
#include "runtime/story/board_index.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdlc {

// Written in path order, as decode_index gives them back.
std::vector<std::uint8_t> encode_index(const std::string& board,
                                       std::vector<index_entry_view> entries);
std::vector<std::uint8_t> encode_index(const std::string& board,
                                       const std::map<std::string, index_entry>& entries);

// nullopt for anything but an index of this format written for `board`.
std::optional<std::map<std::string, index_entry>> decode_index(const std::string& bytes,
                                                               const std::string& board);

} // namespace sdlc
