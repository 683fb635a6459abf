#include "runtime/api/pricing.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/resources.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace sdlc {

namespace {

model_price read_price(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap())
    throw bad_input(fmt::format("{}: expected {{input, output, cacheWrite, cacheRead}} "
                                "(USD per million tokens)",
                                where));
  model_price p;
  auto get = [&](const char* key, double& out) {
    if (!n[key]) return;
    try {
      out = n[key].as<double>();
    } catch (const YAML::Exception&) {
      throw bad_input(fmt::format("{}.{}: not a number (USD per million tokens)", where, key));
    }
    if (out < 0) throw bad_input(fmt::format("{}.{}: must not be negative", where, key));
  };
  get("input", p.input);
  get("output", p.output);
  get("cacheWrite", p.cache_write);
  get("cacheRead", p.cache_read);
  return p;
}

} // namespace

void price_table::merge(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw bad_input(fmt::format("{}:{}: {} — fix the YAML", source, e.mark.line + 1, e.msg));
  }
  if (!root || root.IsNull()) return;
  if (!root.IsMap()) throw bad_input(fmt::format("{}: expected `models:` and `default:`", source));
  if (auto models = root["models"]) {
    if (!models.IsMap())
      throw bad_input(fmt::format("{}: models: expected a map by model", source));
    for (const auto& kv : models) {
      auto name = kv.first.as<std::string>();
      models_[name] = read_price(kv.second, fmt::format("{}: models.{}", source, name));
    }
  }
  if (auto d = root["default"]) default_ = read_price(d, source + ": default");
}

price_table price_table::parse(const std::string& yaml_text, const std::string& source) {
  price_table t;
  t.merge(yaml_text, source);
  return t;
}

price_table price_table::load(const std::filesystem::path& project_file) {
  auto t = parse(std::string(resources::get("config/pricing.yaml")), "config/pricing.yaml");
  if (!project_file.empty() && std::filesystem::exists(project_file))
    t.merge(fs::read_file(project_file), project_file.string());
  return t;
}

const model_price& price_table::price_of(const std::string& model) const {
  const model_price* best = &default_;
  std::size_t best_len = 0;
  for (const auto& [prefix, price] : models_)
    if (model.compare(0, prefix.size(), prefix) == 0 && prefix.size() > best_len) {
      best = &price;
      best_len = prefix.size();
    }
  return *best;
}

bool price_table::knows(const std::string& model) const {
  for (const auto& [prefix, _] : models_)
    if (model.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

double price_table::cost(const std::string& model, const api_usage& u) const {
  const auto& p = price_of(model);
  return (static_cast<double>(u.input) * p.input + static_cast<double>(u.output) * p.output +
          static_cast<double>(u.cache_creation) * p.cache_write +
          static_cast<double>(u.cache_read) * p.cache_read) /
         1e6;
}

} // namespace sdlc
