#include "match/rules_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace klaxon {

namespace {

namespace fs = std::filesystem;

// Rule types ElastAlert knows that klaxon does not run yet: named so the message says
// "not supported yet" rather than "unknown".
constexpr std::string_view kElastAlertTypes[] = {
    "frequency",        "spike",       "flatline",           "new_term",
    "change",           "cardinality", "metric_aggregation", "spike_aggregation",
    "percentage_match", "blacklist",   "whitelist"};

constexpr std::string_view kStandardFields[] = {"message", "type", "tags",
                                                "host",    "path", "@timestamp"};

bool is_standard_field(std::string_view name) {
  return std::find(std::begin(kStandardFields), std::end(kStandardFields), name) !=
         std::end(kStandardFields);
}

bool valid_rule_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Where a rule name was first defined, for duplicate detection across files.
struct NameSite {
  std::string file;
  int line = 0;
};

class RulesParser {
 public:
  RulesParser(YamlReader& r, std::map<std::string, NameSite>& names) : r_(r), names_(names) {}

  void parse_file(const YAML::Node& root, std::vector<Rule>& out) {
    if (!root.IsDefined() || root.IsNull()) {
      r_.problem(root, "rules", "is required: the file must be a map with a `rules:` list");
      return;
    }
    if (!r_.check_map(root, "", {"rules"}) && !root.IsMap()) return;
    const YAML::Node rules = root["rules"];
    if (!rules.IsDefined()) {
      r_.problem(root, "rules", "is required (a list of rules; `rules: []` for none)");
      return;
    }
    if (!rules.IsSequence()) {
      r_.problem(rules, "rules", "must be a list of rules");
      return;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      Rule rule;
      if (parse_rule(rules[i], index_path("rules", i), rule)) out.push_back(std::move(rule));
    }
  }

 private:
  // Returns false when the rule cannot be used; problems are recorded either way.
  bool parse_rule(const YAML::Node& node, const std::string& path, Rule& rule) {
    size_t before = r_.problems().size();
    if (!r_.check_map(node, path,
                      {"name", "description", "severity", "type", "filter", "message", "group_by",
                       "query_key", "realert"}) &&
        !node.IsMap())
      return false;
    rule.file = r_.file();
    rule.line = YamlReader::line_of(node);

    parse_name(node, path, rule);
    r_.get(node, "description", path, rule.description);
    parse_severity(node, path, rule);
    parse_type(node, path);
    if (const YAML::Node f = node["filter"]; f.IsDefined() && !f.IsNull())
      parse_filter(f, YamlReader::join(path, "filter"), rule);
    if (const YAML::Node m = node["message"]; m.IsDefined() && !m.IsNull())
      parse_message(m, YamlReader::join(path, "message"), rule);
    parse_group_by(node, path, rule);
    parse_realert(node, path, rule);
    return r_.problems().size() == before;
  }

  void parse_name(const YAML::Node& node, const std::string& path, Rule& rule) {
    const YAML::Node n = node["name"];
    std::string key = YamlReader::join(path, "name");
    if (!n.IsDefined() || n.IsNull()) {
      r_.problem(node, key, "is required");
      return;
    }
    if (!r_.get(node, "name", path, rule.name)) return;
    if (!valid_rule_name(rule.name)) {
      r_.problem(n, key,
                 "'" + rule.name + "' is not a valid rule name (letters, digits, '_', '.', '-')");
      return;
    }
    int line = YamlReader::line_of(n);
    auto [it, inserted] = names_.emplace(rule.name, NameSite{r_.file(), line});
    if (!inserted) {
      r_.problem(n, key,
                 "rule '" + rule.name + "' is already defined at " + it->second.file + ":" +
                     std::to_string(it->second.line) + " (names must be unique across all files)");
    }
  }

  void parse_severity(const YAML::Node& node, const std::string& path, Rule& rule) {
    std::string s = rule.severity;
    if (!r_.get(node, "severity", path, s)) return;
    if (s != "critical" && s != "error" && s != "warning" && s != "info") {
      r_.problem(node["severity"], YamlReader::join(path, "severity"),
                 "'" + s + "' is not a severity (critical, error, warning or info)");
      return;
    }
    rule.severity = s;
  }

  void parse_type(const YAML::Node& node, const std::string& path) {
    std::string t = "any";
    if (!r_.get(node, "type", path, t) || t == "any") return;
    std::string key = YamlReader::join(path, "type");
    bool known = std::find(std::begin(kElastAlertTypes), std::end(kElastAlertTypes), t) !=
                 std::end(kElastAlertTypes);
    if (known)
      r_.problem(node["type"], key,
                 "rule type '" + t + "' is not supported yet (only 'any' in this release)");
    else
      r_.problem(node["type"], key, "unknown rule type '" + t + "' (only 'any' is supported)");
  }

  // A string or a non-empty list of strings; an explicit empty list would select nothing.
  bool get_selection(const YAML::Node& map, const char* key, const std::string& path,
                     std::vector<std::string>& out) {
    const YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) return true;
    if (!r_.get(map, key, path, out)) return false;
    if (out.empty()) {
      r_.problem(n, YamlReader::join(path, key), "is an empty list; remove the key instead");
      return false;
    }
    return true;
  }

  void parse_filter(const YAML::Node& f, const std::string& path, Rule& rule) {
    if (!r_.check_map(f, path, {"type", "tags", "fields"}) && !f.IsMap()) return;
    get_selection(f, "type", path, rule.types);
    if (const YAML::Node t = f["tags"]; t.IsDefined() && !t.IsNull()) {
      std::string tp = YamlReader::join(path, "tags");
      if (r_.check_map(t, tp, {"all", "any", "none"}) || t.IsMap()) {
        get_selection(t, "all", tp, rule.tags_all);
        get_selection(t, "any", tp, rule.tags_any);
        get_selection(t, "none", tp, rule.tags_none);
      }
    }
    if (const YAML::Node fl = f["fields"]; fl.IsDefined() && !fl.IsNull()) {
      std::string fp = YamlReader::join(path, "fields");
      if (!r_.check_any_map(fl, fp) && !fl.IsMap()) return;
      for (const auto& kv : fl) {
        std::string name = kv.first.Scalar();
        if (name.empty()) {
          r_.problem(kv.first, fp, "a field name must not be empty");
          continue;
        }
        if (name == "tags") {
          r_.problem(kv.first, YamlReader::join(fp, name),
                     "tags is a list; select on it with filter.tags");
          continue;
        }
        if (kv.second.IsNull()) {
          r_.problem(kv.first, YamlReader::join(fp, name), "needs a value or a list of values");
          continue;
        }
        FieldCondition fe;
        fe.name = name;
        if (get_selection(fl, name.c_str(), fp, fe.equals)) rule.fields.push_back(std::move(fe));
      }
    }
  }

  void get_patterns(const YAML::Node& m, const char* key, const std::string& path,
                    std::vector<Pattern>& out) {
    const YAML::Node n = m[key];
    if (!n.IsDefined() || n.IsNull()) return;
    std::string kp = YamlReader::join(path, key);
    auto one = [&](const YAML::Node& item, const std::string& ip) {
      if (!item.IsScalar()) {
        r_.problem(item, ip, "must be a string (a Hyperscan regex)");
        return;
      }
      if (item.Scalar().empty()) {
        r_.problem(item, ip, "an empty pattern matches everything; remove it instead");
        return;
      }
      out.push_back(Pattern{item.Scalar(), false, false, YamlReader::line_of(item), 0});
    };
    if (n.IsScalar()) {
      one(n, kp);
    } else if (n.IsSequence()) {
      for (size_t j = 0; j < n.size(); ++j) one(n[j], index_path(kp, j));
    } else {
      r_.problem(n, kp, "must be a regex or a list of regexes");
    }
  }

  void parse_message(const YAML::Node& m, const std::string& path, Rule& rule) {
    if (!r_.check_map(m, path, {"match", "exclude", "case_insensitive"}) && !m.IsMap()) return;
    get_patterns(m, "match", path, rule.match);
    get_patterns(m, "exclude", path, rule.exclude);
    bool ci = false;
    r_.get(m, "case_insensitive", path, ci);
    for (auto& p : rule.match) p.case_insensitive = ci;
    for (auto& p : rule.exclude) p.case_insensitive = ci;
  }

  void parse_group_by(const YAML::Node& node, const std::string& path, Rule& rule) {
    const YAML::Node g = node["group_by"];
    const YAML::Node q = node["query_key"];
    bool has_g = g.IsDefined() && !g.IsNull();
    bool has_q = q.IsDefined() && !q.IsNull();
    if (has_g && has_q) {
      r_.problem(q, YamlReader::join(path, "query_key"),
                 "query_key is an alias of group_by; give only one of them");
      return;
    }
    if (!has_g && !has_q) return;
    const char* key = has_g ? "group_by" : "query_key";
    const YAML::Node& n = has_g ? g : q;
    std::string value;
    if (!r_.get(node, key, path, value)) return;
    if (value.empty()) {
      r_.problem(n, YamlReader::join(path, key),
                 "must be rule, fingerprint or the name of a top-level field");
    } else if (value == "rule") {
      rule.group_by = GroupBy::rule;
    } else if (value == "fingerprint") {
      rule.group_by = GroupBy::fingerprint;
    } else if (value == "tags") {
      r_.problem(n, YamlReader::join(path, key), "cannot group by tags (a list)");
    } else {
      rule.group_by = GroupBy::field;
      rule.group_field = value;
    }
  }

  void parse_realert(const YAML::Node& node, const std::string& path, Rule& rule) {
    std::chrono::milliseconds d = rule.realert;
    if (!r_.get(node, "realert", path, d)) return;
    if (d.count() <= 0) {
      r_.problem(node["realert"], YamlReader::join(path, "realert"), "must be longer than 0");
      return;
    }
    rule.realert = d;
  }

  YamlReader& r_;
  std::map<std::string, NameSite>& names_;
};

// Parses one file's text into `out`, appending its problems to `problems`.
void parse_one(const std::string& text, const std::string& file,
               std::map<std::string, NameSite>& names, RuleSet& out,
               std::vector<Problem>& problems) {
  YAML::Node root;
  try {
    root = load_yaml_text(text, file);
  } catch (const LoadError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    return;
  }
  YamlReader r(file);
  RulesParser parser(r, names);
  parser.parse_file(root, out.rules);
  problems.insert(problems.end(), r.problems().begin(), r.problems().end());
}

bool is_rule_file(const fs::directory_entry& e) {
  std::string name = e.path().filename().string();
  if (name.empty() || name[0] == '.') return false;
  std::string ext = e.path().extension().string();
  if (ext != ".yaml" && ext != ".yml") return false;
  std::error_code ec;
  return e.is_regular_file(ec);
}

}  // namespace

std::vector<std::string> RuleSet::extra_fields() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (is_standard_field(name)) return;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto& rule : rules) {
    for (const auto& f : rule.fields) add(f.name);
    if (rule.group_by == GroupBy::field) add(rule.group_field);
  }
  return out;
}

RuleSet parse_rules(const std::string& text, const std::string& file) {
  RuleSet set;
  set.files.push_back(file);
  std::map<std::string, NameSite> names;
  std::vector<Problem> problems;
  parse_one(text, file, names, set, problems);
  if (!problems.empty()) throw LoadError(std::move(problems));
  return set;
}

RuleSet load_rules(const std::string& file_or_directory) {
  std::error_code ec;
  fs::path root(file_or_directory);
  std::vector<std::string> files;
  if (fs::is_directory(root, ec)) {
    for (const auto& e : fs::directory_iterator(root, ec))
      if (is_rule_file(e)) files.push_back(e.path().string());
    if (ec)
      throw LoadError(
          {Problem{file_or_directory, 0, "", "cannot read directory: " + ec.message()}});
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw LoadError({Problem{file_or_directory, 0, "", "no *.yaml or *.yml rule files in it"}});
  } else if (fs::exists(root, ec)) {
    files.push_back(file_or_directory);
  } else {
    throw LoadError({Problem{file_or_directory, 0, "", "no such file or directory"}});
  }

  RuleSet set;
  std::map<std::string, NameSite> names;
  std::vector<Problem> problems;
  for (const auto& file : files) {
    set.files.push_back(file);
    std::string text;
    try {
      text = read_text_file(file);
    } catch (const LoadError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
      continue;
    }
    parse_one(text, file, names, set, problems);
  }
  if (!problems.empty()) throw LoadError(std::move(problems));
  return set;
}

}  // namespace klaxon
