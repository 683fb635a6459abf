// libFuzzer target: a project config file (.ai-sdlc.yaml) loaded over the
// defaults. Any input loads or throws sdlc::error naming the problem.
#include "runtime/config/config.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto dir = [] {
    auto d =
        std::filesystem::temp_directory_path() / ("sdlc-fuzz-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  sdlc::fs::atomic_write(dir / ".ai-sdlc.yaml",
                         std::string(reinterpret_cast<const char*>(data), size));
  try {
    auto cfg = sdlc::load_config(dir, {});
    (void)cfg;
  } catch (const sdlc::error&) {
  }
  return 0;
}
