#include "runtime/util/interned_string.hpp"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace sdlc {

namespace {

struct intern_table {
  std::mutex mutex;
  // Looked up by view, without making a string; each text owned once and
  // never moved.
  std::unordered_map<std::string_view, std::unique_ptr<const std::string>> texts;
};

// Never destroyed: an actor thread may still read a key while the process
// exits, and a table reachable from a static is no leak.
intern_table& table() {
  static auto* t = new intern_table;
  return *t;
}

const std::string* intern(std::string_view text) {
  auto& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (auto it = t.texts.find(text); it != t.texts.end()) return it->second.get();
  auto owned = std::make_unique<const std::string>(text);
  const std::string_view key(*owned);
  return t.texts.emplace(key, std::move(owned)).first->second.get();
}

} // namespace

interned_string::interned_string() : interned_string(std::string_view()) {}

interned_string::interned_string(std::string_view text) : text_(intern(text)) {}

} // namespace sdlc
