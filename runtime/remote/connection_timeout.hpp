#pragma once
#include <chrono>

namespace sdlc {

// How long a connection between an orchestrator and a node may stay silent
// before it is closed (remote.connectionTimeoutMs, node
// --connection-timeout-ms). Both sides send heartbeats five times as often,
// so only a peer that is gone, frozen or cut off reaches it.
constexpr std::chrono::milliseconds default_connection_timeout{15000};
// Below this, heartbeats (a fifth of it) crowd the connection and a busy
// machine's pauses read as lost nodes.
constexpr std::chrono::milliseconds min_connection_timeout{1000};
constexpr std::chrono::milliseconds max_connection_timeout{3600 * 1000};

} // namespace sdlc
