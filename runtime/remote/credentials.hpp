#pragma once
// What proves who is who between an orchestrator and its nodes: the shared
// secret (a token file) and, optionally, TLS certificates both ways. One
// module for `run`, `node` and `nodes`.
#include <filesystem>
#include <optional>
#include <string>

namespace sdlc {

// Certificates for the connection (CAF's openssl module): this side's
// certificate and key, and the CA that signed the other side's. Empty: plain
// TCP (the shared token still holds; only on loopback for a node).
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;
  bool enabled() const { return !certificate.empty(); }
};

// The shared secret from `file` (one line, at least 16 characters). Throws
// bad_input naming the file and what to do.
std::string read_token_file(const std::filesystem::path& file);

// TLS files: the flags over the configured ones (remote.tls.*); each must
// exist; all three or none. Throws bad_input.
tls_files resolve_tls(const tls_files& flags, const tls_files& configured = {});

} // namespace sdlc
