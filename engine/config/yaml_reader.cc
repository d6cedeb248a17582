#include "config/yaml_reader.h"

#include <set>

#include "config/config.h"
#include "core/time.h"

namespace klaxon {

namespace {
YAML::Node parse(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string what = "not valid YAML: " + e.msg;
    // "\d" in a double-quoted string: the regex's backslash was read as a YAML escape.
    if (e.msg.find("unknown escape character") != std::string::npos)
      what +=
          " (in a double-quoted string a backslash starts a YAML escape: write a regex in "
          "single quotes, '\\d+ ms', or double each backslash, \"\\\\d+ ms\")";
    throw LoadError({Problem{file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", what,
                             e.mark.column >= 0 ? e.mark.column + 1 : 0}});
  }
}

std::string list_allowed(std::initializer_list<std::string_view> allowed) {
  std::string s;
  for (auto a : allowed) {
    if (!s.empty()) s += ", ";
    s += a;
  }
  return s;
}
}  // namespace

YAML::Node load_yaml_file(const std::string& file) { return parse(read_text_file(file), file); }

YAML::Node load_yaml_text(const std::string& text, const std::string& file) {
  return parse(text, file);
}

void YamlReader::throw_if_problems() const {
  if (!problems_.empty()) throw LoadError(problems_);
}

int YamlReader::line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

int YamlReader::column_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int column = node.Mark().column;
  return column >= 0 ? column + 1 : 0;
}

void YamlReader::problem(const YAML::Node& at, const std::string& key, const std::string& what) {
  problems_.push_back(Problem{file_, line_of(at), key, what, column_of(at)});
}

std::string YamlReader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool YamlReader::check_any_map(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) {
    problem(node, path, "must be a map of key: value");
    return false;
  }
  bool good = true;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string k = kv.first.Scalar();
    if (!seen.insert(k).second) {
      problem(kv.first, join(path, k), "duplicate key (an earlier line already sets it)");
      good = false;
    }
  }
  return good;
}

bool YamlReader::check_map(const YAML::Node& node, const std::string& path,
                           std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    problem(node, path.empty() ? "(top level)" : path, "must be a map of key: value");
    return false;
  }
  bool good = true;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string k = kv.first.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || a == k;
    if (!known) {
      problem(kv.first, join(path, k), "unknown key (allowed: " + list_allowed(allowed) + ")");
      good = false;
    } else if (!seen.insert(k).second) {
      problem(kv.first, join(path, k), "duplicate key (an earlier line already sets it)");
      good = false;
    }
  }
  return good;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path,
                     std::string& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  if (!n.IsScalar()) {
    problem(n, join(path, key), "must be a string");
    return false;
  }
  out = n.Scalar();
  return true;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path, bool& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
  if (s == "true")
    out = true;
  else if (s == "false")
    out = false;
  else {
    problem(n, join(path, key), "must be true or false");
    return false;
  }
  return true;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path, int64_t& out,
                     int64_t min, int64_t max) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  int64_t v = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v)) {
    problem(n, join(path, key), "must be a whole number");
    return false;
  }
  if (v < min || v > max) {
    problem(n, join(path, key),
            "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  out = v;
  return true;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path, double& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || v != v) {
    problem(n, join(path, key), "must be a number");
    return false;
  }
  out = v;
  return true;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path,
                     std::chrono::milliseconds& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  auto d = n.IsScalar() ? parse_duration(n.Scalar()) : std::nullopt;
  if (!d) {
    problem(n, join(path, key), "must be a duration such as 500ms, 30s, 5m, 2h or 1d");
    return false;
  }
  out = *d;
  return true;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path,
                     std::vector<std::string>& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  if (n.IsScalar()) {
    out = {n.Scalar()};
    return true;
  }
  if (!n.IsSequence()) {
    problem(n, join(path, key), "must be a string or a list of strings");
    return false;
  }
  std::vector<std::string> v;
  bool good = true;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      problem(n[i], join(path, key) + "[" + std::to_string(i) + "]", "must be a string");
      good = false;
    } else {
      v.push_back(n[i].Scalar());
    }
  }
  if (good) out = std::move(v);
  return good;
}

bool YamlReader::get(const YAML::Node& map, const char* key, const std::string& path,
                     std::map<std::string, std::string>& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return true;
  std::string p = join(path, key);
  if (!check_any_map(n, p)) return false;
  bool good = true;
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) {
      problem(kv.second, join(p, kv.first.Scalar()), "must be a single value");
      good = false;
      continue;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return good;
}

}  // namespace klaxon
