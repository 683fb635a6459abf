// libFuzzer target: a project config file (.ai-sdlc.yaml) loaded over the
// defaults. Any input loads or throws sdlc::error naming the problem.
#include "runtime/config/config.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace {
// The project folder every input is written into; removed at exit (each
// replay of the suite left one behind in /tmp).
struct scratch_project {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sdlc-fuzz-config-" + std::to_string(getpid()));
  scratch_project() { std::filesystem::create_directories(dir); }
  ~scratch_project() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const scratch_project project;
  const auto& dir = project.dir;
  sdlc::fs::atomic_write(dir / ".ai-sdlc.yaml",
                         std::string(reinterpret_cast<const char*>(data), size));
  try {
    auto cfg = sdlc::load_config(dir, {});
    (void)cfg;
  } catch (const sdlc::error&) {
  }
  return 0;
}
