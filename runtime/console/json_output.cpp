#include "runtime/console/json_output.hpp"

#include "runtime/util/fs.hpp"
#include "runtime/util/printable.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sdlc {

namespace {

// The first key or string of `v`, depth first, that is not UTF-8.
template <class Json> const std::string* first_not_utf8(const Json& v) {
  if (v.is_string()) {
    const auto& s = v.template get_ref<const std::string&>();
    return fs::find_invalid_utf8(s) ? &s : nullptr;
  }
  if (v.is_object())
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (fs::find_invalid_utf8(it.key())) return &it.key();
      if (auto* bad = first_not_utf8(it.value())) return bad;
    }
  if (v.is_array())
    for (const auto& e : v)
      if (auto* bad = first_not_utf8(e)) return bad;
  return nullptr;
}

template <class Json>
std::string dump_checked(const Json& doc, std::string_view advice, int indent) {
  try {
    return doc.dump(indent) + "\n";
  } catch (const nlohmann::json::type_error& e) {
    // 316: a string that is not UTF-8. The document is walked only then.
    if (e.id != 316) throw;
    if (auto* bad = first_not_utf8(doc)) throw not_utf8(*bad, "value", advice);
    throw;
  }
}

} // namespace

std::string without_json(std::string_view command) {
  return fmt::format(", or use `sdlc-actors {}` without --json", command);
}

std::string work_done(std::string_view command, std::string_view shown_by) {
  return fmt::format("; `sdlc-actors {}` has done its work, and `sdlc-actors {}` shows it", command,
                     shown_by);
}

error not_utf8(std::string_view value, std::string_view what, std::string_view advice) {
  const auto at = fs::find_invalid_utf8(value).value_or(0);
  return bad_input(fmt::format(
      "{}\\x{:02x}{}: this {} is not valid UTF-8, which JSON cannot carry; rename it{}",
      printable(value.substr(0, at)), at < value.size() ? static_cast<unsigned char>(value[at]) : 0,
      at + 1 < value.size() ? "…" : "", what, printable(advice)));
}

std::string json_output(const nlohmann::json& doc, std::string_view advice, int indent) {
  return dump_checked(doc, advice, indent);
}

std::string json_output(const nlohmann::ordered_json& doc, std::string_view advice, int indent) {
  return dump_checked(doc, advice, indent);
}

} // namespace sdlc
