#pragma once
// What API usage costs: config/pricing.yaml (compiled in) with a project's
// .ai-sdlc/pricing.yaml over it, by model id prefix.
#include "runtime/api/sse_parser.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace sdlc {

struct model_price { // USD per million tokens
  double input = 0, output = 0, cache_write = 0, cache_read = 0;
};

class price_table {
public:
  // The compiled-in table, overlaid by `project_file` when it exists. Bad
  // entries are errors naming the file and key.
  static price_table load(const std::filesystem::path& project_file = {});
  static price_table parse(const std::string& yaml_text, const std::string& source);

  // Longest listed prefix of `model`, else the default price.
  const model_price& price_of(const std::string& model) const;
  double cost(const std::string& model, const api_usage& u) const;
  bool knows(const std::string& model) const;

private:
  void merge(const std::string& yaml_text, const std::string& source);
  std::map<std::string, model_price> models_;
  model_price default_;
};

} // namespace sdlc
