#include "runtime/util/yaml_json.hpp"

#include "runtime/util/yaml_document.hpp"

namespace sdlc::yaml {

nlohmann::ordered_json to_json(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Undefined:
  case YAML::NodeType::Null:
    return nullptr;
  case YAML::NodeType::Scalar:
    if (is_bool(node)) return node.as<bool>();
    if (is_int(node)) return node.as<long long>();
    if (is_number(node)) return node.as<double>();
    if (!is_string(node)) return nullptr; // ~ / null
    return node.Scalar();
  case YAML::NodeType::Sequence: {
    auto out = nlohmann::ordered_json::array();
    for (const auto& child : node)
      out.push_back(to_json(child));
    return out;
  }
  case YAML::NodeType::Map: {
    auto out = nlohmann::ordered_json::object();
    for (auto it = node.begin(); it != node.end(); ++it)
      out[it->first.Scalar()] = to_json(it->second);
    return out;
  }
  }
  return nullptr;
}

} // namespace sdlc::yaml
