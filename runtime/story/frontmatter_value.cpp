#include "runtime/story/frontmatter_value.hpp"

#include "runtime/util/yaml_document.hpp"

#include <algorithm>

namespace sdlc {

bool frontmatter_value::operator==(const frontmatter_value& o) const {
  return k == o.k && scalar == o.scalar && is_bool == o.is_bool && bool_value == o.bool_value &&
         is_number == o.is_number && (number == o.number || !is_number) && items() == o.items();
}

const std::vector<std::string>& frontmatter_value::items() const {
  static const std::vector<std::string> none;
  return items_ ? *items_ : none;
}

std::vector<std::string>& frontmatter_value::item_storage() {
  if (!items_)
    items_ = copyable_ptr<std::vector<std::string>>(std::make_unique<std::vector<std::string>>());
  return *items_;
}

void frontmatter_value::add_item(std::string item) {
  item_storage().push_back(std::move(item));
}

void frontmatter_value::reserve_items(std::size_t n) {
  if (n > 0) item_storage().reserve(n);
}

frontmatter_value value_of(const YAML::Node& node) {
  using K = frontmatter_value::kind;
  frontmatter_value v;
  if (!node.IsDefined()) return v;
  if (node.IsNull()) {
    v.k = K::null;
  } else if (node.IsScalar()) {
    v.k = K::scalar;
    v.scalar = node.Scalar();
    v.is_bool = yaml::is_bool(node);
    v.bool_value = v.is_bool && node.as<bool>();
    v.is_number = yaml::is_number(node);
    if (v.is_number) v.number = node.as<double>();
  } else if (node.IsSequence()) {
    v.k = K::sequence;
    for (const auto& item : node)
      if (item.IsScalar()) v.add_item(item.Scalar());
  } else {
    v.k = K::map;
  }
  return v;
}

const frontmatter_value& field(const frontmatter_fields& fields, const std::string& key) {
  static const frontmatter_value absent;
  auto it = std::lower_bound(fields.begin(), fields.end(), key,
                             [](const auto& f, const std::string& k) { return f.first.str() < k; });
  return it != fields.end() && it->first.str() == key ? it->second : absent;
}

} // namespace sdlc
