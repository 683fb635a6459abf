#include "runtime/remote/credentials.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <fmt/format.h>

namespace sdlc {

std::string read_token_file(const std::filesystem::path& file) {
  std::string text;
  try {
    text = fs::read_file(file, 64 * 1024);
  } catch (const std::exception& e) {
    throw bad_input(fmt::format("token file {}: {}; create one with `head -c 32 /dev/urandom | "
                                "base64 > {}` and give both sides the same file",
                                file.string(), e.what(), file.string()));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() < 16 || text.find('\n') != std::string::npos)
    throw bad_input(fmt::format("token file {}: the secret must be one line of at least 16 "
                                "characters (e.g. `head -c 32 /dev/urandom | base64`)",
                                file.string()));
  return text;
}

tls_files resolve_tls(const tls_files& flags, const tls_files& configured) {
  tls_files t = flags;
  if (t.certificate.empty()) t.certificate = configured.certificate;
  if (t.key.empty()) t.key = configured.key;
  if (t.ca.empty()) t.ca = configured.ca;
  int given = !t.certificate.empty() + !t.key.empty() + !t.ca.empty();
  if (given != 0 && given != 3)
    throw bad_input("TLS needs all three: --tls-cert (this side's certificate), --tls-key (its "
                    "key) and --tls-ca (the CA that signed the other side's); see "
                    "docs/remote-nodes.md");
  for (const auto& [flag, file] :
       {std::pair<const char*, const std::string&>{"--tls-cert", t.certificate},
        {"--tls-key", t.key},
        {"--tls-ca", t.ca}})
    if (!file.empty() && !std::filesystem::is_regular_file(file))
      throw bad_input(fmt::format("{} {}: no such file", flag, file));
  return t;
}

} // namespace sdlc
