// YamlReader: strict reading of a YAML file a user wrote (config or rules).
//
// yaml-cpp accepts duplicate keys silently and has no notion of allowed keys; this
// reader rejects both and collects every problem with file:line:column and the key path,
// so one load reports all mistakes at once. Not thread-safe; one reader per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace klaxon {

// Parses a YAML file; throws LoadError (with the line) when it is not valid YAML or unreadable.
YAML::Node load_yaml_file(const std::string& file);
// Parses YAML text that came from `file` (used for embedded defaults and tests).
YAML::Node load_yaml_text(const std::string& text, const std::string& file);

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  bool ok() const { return problems_.empty(); }
  std::vector<Problem>& problems() { return problems_; }
  // Throws LoadError when any problem was recorded.
  void throw_if_problems() const;

  void problem(const YAML::Node& at, const std::string& key, const std::string& what);
  static int line_of(const YAML::Node& node);
  static int column_of(const YAML::Node& node);

  // True when `node` is a map whose keys are all in `allowed`, each at most once.
  // Records a problem per unknown or duplicate key (naming the allowed ones).
  bool check_map(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed);
  // Like check_map, but any key is allowed (free-form maps such as librdkafka properties).
  bool check_any_map(const YAML::Node& node, const std::string& path);

  // Typed getters: leave `out` unchanged when the key is absent; record a problem and
  // return false when present with the wrong type or value.
  bool get(const YAML::Node& map, const char* key, const std::string& path, std::string& out);
  bool get(const YAML::Node& map, const char* key, const std::string& path, bool& out);
  bool get(const YAML::Node& map, const char* key, const std::string& path, int64_t& out,
           int64_t min, int64_t max);
  bool get(const YAML::Node& map, const char* key, const std::string& path, double& out);
  bool get(const YAML::Node& map, const char* key, const std::string& path,
           std::chrono::milliseconds& out);
  // A string or a list of strings.
  bool get(const YAML::Node& map, const char* key, const std::string& path,
           std::vector<std::string>& out);
  // A map of scalar values, kept as text.
  bool get(const YAML::Node& map, const char* key, const std::string& path,
           std::map<std::string, std::string>& out);

  static std::string join(const std::string& path, std::string_view key);

 private:
  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace klaxon
