#include "runtime/story/board_index_codec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace sdlc {

namespace {

// Bumped whenever what a story reads as changes (value_of, validation) or the
// layout does: an index of an older build is then ignored, never misread.
constexpr std::int64_t format_version = 2;

constexpr int flag_is_bool = 1, flag_true = 2, flag_is_number = 4;

int flags_of(const frontmatter_value& v) {
  return (v.is_bool ? flag_is_bool : 0) | (v.bool_value ? flag_true : 0) |
         (v.is_number ? flag_is_number : 0);
}

// Takes the flat array value by value, in the order encode_index wrote it.
// Any surprise (a type, a count, a foreign board) stops the parse.
class decoder : public nlohmann::json_sax<nlohmann::json> {
public:
  explicit decoder(const std::string& board) : board_(board) {}
  std::map<std::string, index_entry> entries;
  bool complete() const { return closed_ && next_ == slot::path; }

  bool null() override { return false; }
  bool boolean(bool) override { return false; }
  bool number_integer(number_integer_t v) override {
    return integer(static_cast<std::uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override { return integer(v); }
  bool number_float(number_float_t v, const string_t&) override {
    if (next_ != slot::number) return false;
    value_.number = v;
    next_ = slot::item_count;
    return true;
  }
  bool string(string_t& s) override;
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return false; }
  bool key(string_t&) override { return false; }
  bool end_object() override { return false; }
  bool start_array(std::size_t) override { return !opened_ && (opened_ = true); }
  bool end_array() override { return !closed_ && (closed_ = true); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

private:
  enum class slot {
    version,
    board,
    path,
    device,
    inode,
    size,
    mtime,
    ctime,
    review,
    field_count,
    key,
    kind,
    scalar,
    flags,
    number,
    item_count,
    item
  };
  bool integer(std::uint64_t v);
  bool end_field();
  bool end_story();

  const std::string& board_;
  slot next_ = slot::version;
  bool opened_ = false, closed_ = false;
  std::string path_;
  index_entry entry_;
  std::uint64_t fields_left_ = 0, items_left_ = 0;
  interned_string key_;
  frontmatter_value value_;
};

bool decoder::string(string_t& s) {
  switch (next_) {
  case slot::board:
    next_ = slot::path;
    return s == board_;
  case slot::path:
    path_ = std::move(s);
    next_ = slot::device;
    return true;
  case slot::review:
    entry_.last_review_decision = std::move(s);
    next_ = slot::field_count;
    return true;
  case slot::key:
    key_ = interned_string(s);
    next_ = slot::kind;
    return true;
  case slot::scalar:
    value_.scalar = std::move(s);
    next_ = slot::flags;
    return true;
  case slot::item:
    value_.add_item(std::move(s));
    return --items_left_ > 0 || end_field();
  default:
    return false;
  }
}

bool decoder::integer(std::uint64_t v) {
  auto& id = entry_.identity;
  switch (next_) {
  case slot::version:
    next_ = slot::board;
    return v == static_cast<std::uint64_t>(format_version);
  case slot::device:
    id.device = v;
    next_ = slot::inode;
    return true;
  case slot::inode:
    id.inode = v;
    next_ = slot::size;
    return true;
  case slot::size:
    id.size = v;
    next_ = slot::mtime;
    return true;
  case slot::mtime:
    id.mtime_ns = static_cast<std::int64_t>(v);
    next_ = slot::ctime;
    return true;
  case slot::ctime:
    id.ctime_ns = static_cast<std::int64_t>(v);
    next_ = slot::review;
    return true;
  case slot::field_count:
    if (v > 100000) return false; // yaml::max_values: no story has more
    fields_left_ = v;
    entry_.fields.reserve(v);
    next_ = slot::key;
    return v > 0 || end_story();
  case slot::kind:
    if (v > static_cast<std::uint64_t>(frontmatter_value::kind::map)) return false;
    value_.k = static_cast<frontmatter_value::kind>(v);
    next_ = slot::scalar;
    return true;
  case slot::flags:
    value_.is_bool = v & flag_is_bool;
    value_.bool_value = v & flag_true;
    value_.is_number = v & flag_is_number;
    next_ = slot::number;
    return true;
  case slot::number: // a whole number may come back as an integer
    return number_float(static_cast<double>(static_cast<std::int64_t>(v)), {});
  case slot::item_count:
    if (v > 100000) return false;
    items_left_ = v;
    value_.reserve_items(v);
    next_ = slot::item;
    return v > 0 || end_field();
  default:
    return false;
  }
}

bool decoder::end_field() {
  entry_.fields.emplace_back(std::move(key_), std::move(value_));
  value_ = {};
  next_ = slot::key;
  return --fields_left_ > 0 || end_story();
}

bool decoder::end_story() {
  // Written sorted; a file that is not could not answer field() lookups.
  if (!std::is_sorted(entry_.fields.begin(), entry_.fields.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; }))
    return false;
  // Written in order: each goes at the end without a walk down the tree.
  entries.emplace_hint(entries.end(), std::move(path_), std::move(entry_));
  entry_ = {};
  next_ = slot::path;
  return true;
}

} // namespace

std::vector<std::uint8_t> encode_index(const std::string& board,
                                       std::vector<index_entry_view> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return *x.file < *y.file; });
  // The tree is the peak of a first scan's memory: sized once, not doubled.
  std::size_t values = 2;
  for (const auto& e : entries) {
    values += 8;
    for (const auto& f : *e.fields)
      values += 6 + f.second.items().size();
  }
  auto a = nlohmann::json::array();
  a.get_ref<nlohmann::json::array_t&>().reserve(values);
  a.push_back(format_version);
  a.push_back(board);
  for (const auto& e : entries) {
    const auto& id = *e.identity;
    a.push_back(*e.file);
    a.push_back(id.device);
    a.push_back(id.inode);
    a.push_back(id.size);
    a.push_back(id.mtime_ns);
    a.push_back(id.ctime_ns);
    a.push_back(*e.last_review_decision);
    a.push_back(e.fields->size());
    for (const auto& [key, v] : *e.fields) {
      a.push_back(key.str());
      a.push_back(static_cast<int>(v.k));
      a.push_back(v.scalar);
      a.push_back(flags_of(v));
      a.push_back(v.number);
      a.push_back(v.items().size());
      for (const auto& item : v.items())
        a.push_back(item);
    }
  }
  auto bytes = nlohmann::json::to_cbor(a);
  // nlohmann destroys an array by first moving its elements onto a stack of
  // their own (against deep recursion): for this flat one, a second copy of
  // every value at the peak. Cleared, they are destroyed where they are.
  a.get_ref<nlohmann::json::array_t&>().clear();
  return bytes;
}

std::vector<std::uint8_t> encode_index(const std::string& board,
                                       const std::map<std::string, index_entry>& entries) {
  std::vector<index_entry_view> views;
  views.reserve(entries.size());
  for (const auto& [file, e] : entries)
    views.push_back({&file, &e.identity, &e.fields, &e.last_review_decision});
  return encode_index(board, std::move(views));
}

std::optional<std::map<std::string, index_entry>> decode_index(const std::string& bytes,
                                                               const std::string& board) {
  decoder d(board);
  try {
    if (!nlohmann::json::sax_parse(bytes, &d, nlohmann::json::input_format_t::cbor) ||
        !d.complete())
      return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return std::move(d.entries);
}

} // namespace sdlc
