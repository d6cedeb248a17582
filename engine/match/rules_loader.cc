#include "match/rules_loader.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <system_error>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace klaxon {

namespace {

namespace fs = std::filesystem;

// Rule types ElastAlert knows that klaxon does not run: named so the message says "not
// supported" rather than "unknown".
constexpr std::string_view kElastAlertOnlyTypes[] = {
    "change",           "cardinality", "metric_aggregation", "spike_aggregation",
    "percentage_match", "blacklist",   "whitelist"};

struct TypeName {
  std::string_view name;
  RuleType type;
};
constexpr TypeName kRuleTypes[] = {{"any", RuleType::any},
                                   {"frequency", RuleType::frequency},
                                   {"flatline", RuleType::flatline},
                                   {"spike", RuleType::spike},
                                   {"new_term", RuleType::new_term}};

// The type parameters and the rule types each one applies to.
struct TypeParameter {
  const char* key;
  std::initializer_list<RuleType> types;
  bool required;
};
const TypeParameter kTypeParameters[] = {
    {"timeframe", {RuleType::frequency, RuleType::flatline, RuleType::spike}, true},
    {"num_events", {RuleType::frequency}, true},
    {"threshold", {RuleType::flatline}, true},
    {"spike_height", {RuleType::spike}, true},
    {"spike_type", {RuleType::spike}, false},
    {"threshold_cur", {RuleType::spike}, false},
    {"threshold_ref", {RuleType::spike}, false},
    {"terms_window", {RuleType::new_term}, false},
};

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

// A double-quoted YAML string reads "\b" as a backspace (0x08), so "\bERROR\b" becomes a
// pattern that never matches a log line. No one means a backspace in a log pattern: say
// what happened and give the single-quoted fix. Other YAML escapes (\t, \n, \\) mean the
// same in a regex; unknown ones (\d) are YAML errors (config/yaml_reader.cc).
std::string yaml_escape_trap(const std::string& expression, bool literal) {
  if (expression.find('\b') == std::string::npos) return "";
  std::string fixed;
  for (char c : expression) {
    if (c == '\b')
      fixed += "\\b";
    else if (c == '\'')
      fixed += "''";  // a quote inside single quotes is doubled
    else
      fixed += c;
  }
  if (literal)  // a literal has no word boundaries to offer
    return "contains a backspace character: in a double-quoted YAML string \\b is a "
           "backspace, so this never matches. A literal has no regex syntax; for word "
           "boundaries write a regex in single quotes: {regex: '" +
           fixed + "'}";
  return "contains a backspace character: in a double-quoted YAML string \\b is a backspace, "
         "not a word boundary, so this never matches. Write it in single quotes: '" +
         fixed + "'";
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

  // Rules with problems go to `broken` (when given), as far as they parsed.
  void parse_file(const YAML::Node& root, std::vector<Rule>& out, std::vector<Rule>* broken) {
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
      rule.index_in_file = static_cast<int>(i);
      if (parse_rule(rules[i], index_path("rules", i), rule))
        out.push_back(std::move(rule));
      else if (broken != nullptr)
        broken->push_back(std::move(rule));
    }
  }

 private:
  // Returns false when the rule cannot be used; problems are recorded either way.
  bool parse_rule(const YAML::Node& node, const std::string& index, Rule& rule) {
    size_t before = r_.problems().size();
    // Every key path names the rule too, once it has a name: "rules[1] (pay-errors).type".
    std::string path = index;
    if (node.IsMap()) {
      const YAML::Node name = node["name"];
      if (name.IsDefined() && name.IsScalar() && valid_rule_name(name.Scalar()))
        path += " (" + name.Scalar() + ")";
    }
    if (!r_.check_map(
            node, path,
            {"name", "description", "severity", "type", "filter", "message", "group_by",
             "query_key", "realert", "timeframe", "num_events", "threshold", "spike_height",
             "spike_type", "threshold_cur", "threshold_ref", "terms_window", "notify"}) &&
        !node.IsMap())
      return false;
    rule.file = r_.file();
    rule.line = YamlReader::line_of(node);

    parse_name(node, index, rule);
    r_.get(node, "description", path, rule.description);
    parse_severity(node, path, rule);
    parse_type(node, path, rule);
    if (const YAML::Node f = node["filter"]; f.IsDefined() && !f.IsNull())
      parse_filter(f, YamlReader::join(path, "filter"), rule);
    if (const YAML::Node m = node["message"]; m.IsDefined() && !m.IsNull())
      parse_message(m, YamlReader::join(path, "message"), rule);
    parse_group_by(node, path, rule);
    parse_realert(node, path, rule);
    parse_type_parameters(node, path, rule);
    if (node["notify"].IsDefined()) {
      std::vector<std::string> channels;
      if (r_.get(node, "notify", path, channels)) {
        rule.notify = std::move(channels);
        rule.notify_line = YamlReader::line_of(node["notify"]);
      }
    }
    return r_.problems().size() == before;
  }

  void parse_name(const YAML::Node& node, const std::string& path, Rule& rule) {
    const YAML::Node n = node["name"];
    std::string key = YamlReader::join(path, "name");
    if (!n.IsDefined() || n.IsNull()) {
      r_.problem(node, key, "is required");
      return;
    }
    std::string name;
    if (!r_.get(node, "name", path, name)) return;
    if (!valid_rule_name(name)) {
      r_.problem(n, key,
                 "'" + name + "' is not a valid rule name (letters, digits, '_', '.', '-')");
      return;
    }
    rule.name = name;
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
    if (std::find(std::begin(kSeverities), std::end(kSeverities), s) == std::end(kSeverities)) {
      r_.problem(node["severity"], YamlReader::join(path, "severity"),
                 "'" + s + "' is not a severity (critical, error, warning or info)");
      return;
    }
    rule.severity = s;
  }

  void parse_type(const YAML::Node& node, const std::string& path, Rule& rule) {
    std::string t = "any";
    if (!r_.get(node, "type", path, t)) return;
    for (const auto& known : kRuleTypes) {
      if (known.name == t) {
        rule.type = known.type;
        return;
      }
    }
    std::string key = YamlReader::join(path, "type");
    bool elastalert = std::find(std::begin(kElastAlertOnlyTypes), std::end(kElastAlertOnlyTypes),
                                t) != std::end(kElastAlertOnlyTypes);
    r_.problem(node["type"], key,
               (elastalert ? "ElastAlert's rule type '" + t + "' is not supported"
                           : "unknown rule type '" + t + "'") +
                   " (any, frequency, flatline, spike or new_term)");
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
      for (const auto& kv : fl) parse_field_condition(fl, kv.first, kv.second, fp, rule);
    }
  }

  // `name: value`, `name: [values]` (equals one of them), or a map of operators.
  void parse_field_condition(const YAML::Node& fields, const YAML::Node& name_node,
                             const YAML::Node& value, const std::string& fields_path, Rule& rule) {
    const std::string& name = name_node.Scalar();
    std::string key = YamlReader::join(fields_path, name);
    if (name.empty()) {
      r_.problem(name_node, fields_path, "a field name must not be empty");
      return;
    }
    if (name == "tags") {
      r_.problem(name_node, key, "tags is a list; select on it with filter.tags");
      return;
    }
    if (value.IsNull()) {
      r_.problem(name_node, key, "needs a value, a list of values or a map of operators");
      return;
    }
    FieldCondition c;
    c.name = name;
    c.line = YamlReader::line_of(name_node);
    c.column = YamlReader::column_of(name_node);
    if (!value.IsMap()) {
      if (get_selection(fields, name.c_str(), fields_path, c.equals))
        rule.fields.push_back(std::move(c));
      return;
    }
    size_t before = r_.problems().size();
    if (!r_.check_map(
            value, key,
            {"equals", "prefix", "regex", "case_insensitive", "exists", "gt", "gte", "lt", "lte"}))
      return;
    get_selection(value, "equals", key, c.equals);
    get_selection(value, "prefix", key, c.prefixes);
    if (const YAML::Node re = value["regex"]; re.IsDefined() && !re.IsNull()) {
      std::string expression;
      if (r_.get(value, "regex", key, expression)) {
        if (expression.empty())
          r_.problem(re, YamlReader::join(key, "regex"), "an empty regex matches everything");
        if (std::string trap = yaml_escape_trap(expression, false); !trap.empty())
          r_.problem(re, YamlReader::join(key, "regex"), trap);
        c.regex =
            Pattern{expression, false, false, YamlReader::line_of(re), YamlReader::column_of(re)};
      }
    }
    bool ci = false;
    if (r_.get(value, "case_insensitive", key, ci) && value["case_insensitive"].IsDefined()) {
      if (!c.regex)
        r_.problem(value["case_insensitive"], YamlReader::join(key, "case_insensitive"),
                   "applies to `regex` only");
      else
        c.regex->case_insensitive = ci;
    }
    if (value["exists"].IsDefined()) {
      bool exists = true;
      if (r_.get(value, "exists", key, exists)) c.exists = exists;
    }
    struct Compare {
      const char* op;
      std::optional<double>* out;
    };
    for (Compare cmp : {Compare{"gt", &c.gt}, Compare{"gte", &c.gte}, Compare{"lt", &c.lt},
                        Compare{"lte", &c.lte}}) {
      if (!value[cmp.op].IsDefined()) continue;
      double v = 0;
      if (r_.get(value, cmp.op, key, v)) *cmp.out = v;
    }
    if (c.exists == false && (value.size() > 1))
      r_.problem(value, key, "exists: false cannot be combined with other operators");
    if (value.size() == 0) r_.problem(value, key, "needs at least one operator");
    if (r_.problems().size() == before) rule.fields.push_back(std::move(c));
  }

  // A pattern item: a string (a regex), or {regex: ..} / {literal: ..} with an optional
  // case_insensitive of its own.
  void parse_pattern(const YAML::Node& item, const std::string& path, bool default_ci,
                     int list_index, std::vector<Pattern>& out) {
    Pattern p;
    p.list_index = list_index;
    p.line = YamlReader::line_of(item);
    p.column = YamlReader::column_of(item);
    p.case_insensitive = default_ci;
    if (item.IsScalar()) {
      p.expression = item.Scalar();
    } else if (item.IsMap()) {
      if (!r_.check_map(item, path, {"regex", "literal", "case_insensitive"})) return;
      bool has_regex = item["regex"].IsDefined(), has_literal = item["literal"].IsDefined();
      if (has_regex == has_literal) {
        r_.problem(item, path, "give exactly one of `regex` and `literal`");
        return;
      }
      if (!r_.get(item, has_regex ? "regex" : "literal", path, p.expression)) return;
      p.literal = has_literal;
      if (!r_.get(item, "case_insensitive", path, p.case_insensitive)) return;
    } else {
      r_.problem(item, path, "must be a regex, or a map with `regex` or `literal`");
      return;
    }
    if (p.expression.empty()) {
      r_.problem(item, path, "an empty pattern matches everything; remove it instead");
      return;
    }
    if (std::string trap = yaml_escape_trap(p.expression, p.literal); !trap.empty()) {
      r_.problem(item, path, trap);
      return;
    }
    out.push_back(std::move(p));
  }

  void get_patterns(const YAML::Node& m, const char* key, const std::string& path, bool ci,
                    std::vector<Pattern>& out) {
    const YAML::Node n = m[key];
    if (!n.IsDefined() || n.IsNull()) return;
    std::string kp = YamlReader::join(path, key);
    if (n.IsSequence()) {
      for (size_t j = 0; j < n.size(); ++j)
        parse_pattern(n[j], index_path(kp, j), ci, static_cast<int>(j), out);
    } else {
      parse_pattern(n, kp, ci, 0, out);
    }
  }

  void parse_message(const YAML::Node& m, const std::string& path, Rule& rule) {
    if (!r_.check_map(m, path, {"match", "exclude", "case_insensitive"}) && !m.IsMap()) return;
    bool ci = false;
    r_.get(m, "case_insensitive", path, ci);
    get_patterns(m, "match", path, ci, rule.match);
    get_patterns(m, "exclude", path, ci, rule.exclude);
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
                 "must be rule, fingerprint, match or the name of a top-level field");
    } else if (value == "rule") {
      rule.group_by = GroupBy::rule;
    } else if (value == "fingerprint") {
      rule.group_by = GroupBy::fingerprint;
    } else if (value == "match") {
      rule.group_by = GroupBy::match_text;
      if (rule.match.empty())
        r_.problem(n, YamlReader::join(path, key),
                   "group_by: match needs at least one message.match pattern");
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
    rule.realert = d;  // 0: never suppress
  }

  bool applies(const TypeParameter& p, RuleType type) {
    return std::find(p.types.begin(), p.types.end(), type) != p.types.end();
  }

  static std::string type_list(const TypeParameter& p) {
    std::string s;
    for (RuleType t : p.types) {
      if (!s.empty()) s += ", ";
      s += to_string(t);
    }
    return s;
  }

  void parse_type_parameters(const YAML::Node& node, const std::string& path, Rule& rule) {
    for (const TypeParameter& p : kTypeParameters) {
      const YAML::Node n = node[p.key];
      bool given = n.IsDefined() && !n.IsNull();
      std::string key = YamlReader::join(path, p.key);
      if (given && !applies(p, rule.type)) {
        r_.problem(n, key,
                   std::string(p.key) + " applies to " + type_list(p) +
                       " rules only (this rule "
                       "is of type " +
                       std::string(to_string(rule.type)) + ")");
      } else if (!given && p.required && applies(p, rule.type)) {
        r_.problem(node, key, "is required for a " + std::string(to_string(rule.type)) + " rule");
      }
    }
    const int64_t kMax = std::numeric_limits<int32_t>::max();
    auto positive_duration = [&](const char* k, std::chrono::milliseconds& out) {
      if (!node[k].IsDefined()) return;
      std::chrono::milliseconds d{0};
      if (!r_.get(node, k, path, d)) return;
      if (d.count() <= 0)
        r_.problem(node[k], YamlReader::join(path, k), "must be longer than 0");
      else
        out = d;
    };
    positive_duration("timeframe", rule.timeframe);
    positive_duration("terms_window", rule.terms_window);
    r_.get(node, "num_events", path, rule.num_events, 1, kMax);
    r_.get(node, "threshold", path, rule.threshold, 1, kMax);
    r_.get(node, "threshold_cur", path, rule.threshold_cur, 0, kMax);
    r_.get(node, "threshold_ref", path, rule.threshold_ref, 0, kMax);
    if (node["spike_height"].IsDefined()) {
      double h = 0;
      if (r_.get(node, "spike_height", path, h)) {
        if (!(h > 1))
          r_.problem(node["spike_height"], YamlReader::join(path, "spike_height"),
                     "must be a ratio above 1 (e.g. 3: three times the previous window)");
        else
          rule.spike_height = h;
      }
    }
    if (node["spike_type"].IsDefined()) {
      std::string d;
      if (r_.get(node, "spike_type", path, d)) {
        if (d == "up")
          rule.spike_type = SpikeDirection::up;
        else if (d == "down")
          rule.spike_type = SpikeDirection::down;
        else if (d == "both")
          rule.spike_type = SpikeDirection::both;
        else
          r_.problem(node["spike_type"], YamlReader::join(path, "spike_type"),
                     "'" + d + "' is not up, down or both");
      }
    }
  }

  YamlReader& r_;
  std::map<std::string, NameSite>& names_;
};

// Parses one file's text into `out`, appending its problems to `problems`.
void parse_one(const std::string& text, const std::string& file,
               std::map<std::string, NameSite>& names, RuleSet& out, std::vector<Rule>* broken,
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
  parser.parse_file(root, out.rules, broken);
  // In the order of the file, as an editor shows them.
  std::stable_sort(r.problems().begin(), r.problems().end(),
                   [](const Problem& a, const Problem& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
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
  parse_one(text, file, names, set, nullptr, problems);
  if (!problems.empty()) throw LoadError(std::move(problems));
  return set;
}

RulesReport read_rules(const std::string& file_or_directory) {
  RulesReport report;
  std::error_code ec;
  fs::path root(file_or_directory);
  std::vector<std::string> files;
  if (fs::is_directory(root, ec)) {
    for (const auto& e : fs::directory_iterator(root, ec))
      if (is_rule_file(e)) files.push_back(e.path().string());
    if (ec) {
      report.problems.push_back(
          Problem{file_or_directory, 0, "", "cannot read directory: " + ec.message()});
      return report;
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      report.problems.push_back(
          Problem{file_or_directory, 0, "", "no *.yaml or *.yml rule files in it"});
      return report;
    }
  } else if (fs::exists(root, ec)) {
    files.push_back(file_or_directory);
  } else {
    report.problems.push_back(Problem{file_or_directory, 0, "", "no such file or directory"});
    return report;
  }

  std::map<std::string, NameSite> names;
  for (const auto& file : files) {
    report.usable.files.push_back(file);
    std::string text;
    try {
      text = read_text_file(file);
    } catch (const LoadError& e) {
      report.problems.insert(report.problems.end(), e.problems().begin(), e.problems().end());
      continue;
    }
    parse_one(text, file, names, report.usable, &report.broken, report.problems);
  }
  if (report.problems.empty() && report.usable.rules.empty())
    report.problems.push_back(Problem{file_or_directory, 0, "",
                                      "no rules: every file's `rules:` list is empty, so nothing "
                                      "would ever alert"});
  return report;
}

RuleSet load_rules(const std::string& file_or_directory) {
  RulesReport report = read_rules(file_or_directory);
  if (!report.problems.empty()) throw LoadError(std::move(report.problems));
  return std::move(report.usable);
}

void check_notify(const RuleSet& rules, const std::vector<std::string>& channels) {
  std::vector<Problem> problems;
  std::string known;
  for (const auto& c : channels) known += (known.empty() ? "" : ", ") + c;
  for (const Rule& rule : rules.rules) {
    if (!rule.notify) continue;
    for (const auto& name : *rule.notify) {
      if (std::find(channels.begin(), channels.end(), name) != channels.end()) continue;
      problems.push_back(
          Problem{rule.file, rule.notify_line, rule.name + ".notify",
                  "'" + name + "' is not a channel of the config's notify.channels (" +
                      (known.empty() ? std::string("none configured") : known) + ")"});
    }
  }
  if (!problems.empty()) throw LoadError(problems);
}

}  // namespace klaxon
