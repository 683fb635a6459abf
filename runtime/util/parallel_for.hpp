#pragma once
// Runs fn(0) … fn(n-1) on up to one thread per core, each index exactly once.
// For independent work on big inputs (parsing 10,000 story files): small
// inputs run on the calling thread, where a thread start would cost more
// than the work. fn must not throw (catch inside and record per index).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace sdlc {

template <class Fn> void parallel_for(std::size_t n, Fn&& fn, std::size_t min_per_thread = 256) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min(cores, n / std::max<std::size_t>(1, min_per_thread));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i)
      fn(i);
    return;
  }
  // Indices handed out in small chunks: files differ in size, so a fixed split
  // would leave one thread with the slow half.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    constexpr std::size_t chunk = 32;
    for (std::size_t from; (from = next.fetch_add(chunk)) < n;)
      for (std::size_t i = from; i < std::min(n, from + chunk); ++i)
        fn(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& t : pool)
    t.join();
}

} // namespace sdlc
