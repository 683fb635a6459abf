// Replays the fuzz targets' inputs under ctest (gcc, no libFuzzer): every
// seed and every kept finding in tests/fuzz/regressions/<target>/. A finding
// that comes back crashes or throws something other than sdlc::error here.
#define BOOST_TEST_MODULE fuzz_replay
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// Each target's LLVMFuzzerTestOneInput, renamed at compile time
// (tests/CMakeLists.txt) so that all four link into one executable.
extern "C" int fuzz_one_frontmatter(const uint8_t*, size_t);
extern "C" int fuzz_one_config(const uint8_t*, size_t);
extern "C" int fuzz_one_stream_json(const uint8_t*, size_t);
extern "C" int fuzz_one_sse(const uint8_t*, size_t);

namespace fs = std::filesystem;
using target_fn = int (*)(const uint8_t*, size_t);

namespace {

std::vector<fs::path> inputs_under(const std::vector<fs::path>& roots, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& r : roots) {
    if (fs::is_regular_file(r))
      out.push_back(r);
    else if (fs::is_directory(r))
      for (const auto& e : fs::recursive_directory_iterator(r))
        if (e.is_regular_file() && e.path().filename() != "README" &&
            (ext.empty() || e.path().extension() == ext || r.filename() == "regressions"))
          out.push_back(e.path());
  }
  return out;
}

std::size_t replay(target_fn fn, const std::vector<fs::path>& files) {
  for (const auto& f : files) {
    BOOST_TEST_CONTEXT("input " << f.string()) {
      std::ifstream in(f, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      BOOST_CHECK_NO_THROW(fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    }
  }
  return files.size();
}

fs::path src(const std::string& rel) {
  return fs::path(SDLC_SOURCE_DIR) / rel;
}
fs::path regressions(const std::string& t) {
  return src("tests/fuzz/regressions/" + t);
}

} // namespace

BOOST_AUTO_TEST_CASE(frontmatter_inputs_parse_or_fail_cleanly) {
  auto n = replay(fuzz_one_frontmatter,
                  inputs_under({fs::path(SDLC_CORPUS_DIR), regressions("frontmatter")}, ".md"));
  BOOST_TEST(n > 10u); // the corpus is there: a missing corpus must not pass silently
}

BOOST_AUTO_TEST_CASE(config_inputs_load_or_fail_cleanly) {
  auto n = replay(fuzz_one_config, inputs_under({src("config"), regressions("config")}, ".yaml"));
  BOOST_TEST(n >= 4u);
}

BOOST_AUTO_TEST_CASE(stream_json_inputs_parse_or_fail_cleanly) {
  auto n = replay(fuzz_one_stream_json,
                  inputs_under({src("tests/fixtures"), regressions("stream_json")}, ".jsonl"));
  BOOST_TEST(n >= 2u);
}

BOOST_AUTO_TEST_CASE(sse_inputs_parse_or_fail_cleanly) {
  auto n =
      replay(fuzz_one_sse, inputs_under({src("tests/fuzz/seeds/sse"), regressions("sse")}, ""));
  BOOST_TEST(n >= 1u);
}
