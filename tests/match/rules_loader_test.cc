#include "match/rules_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace klaxon {
namespace {

namespace fs = std::filesystem;

std::string problems_of(const std::string& yaml, const std::string& file = "rules.yaml") {
  try {
    parse_rules(yaml, file);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

std::string load_problems(const std::string& path) {
  try {
    load_rules(path);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "klaxon-rules-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = (fs::path(path_) / name).string();
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RulesLoader, ReadsEveryKey) {
  RuleSet set = parse_rules(R"(rules:
  - name: pay-exception-stack
    description: Java exceptions
    severity: critical
    type: any
    filter:
      type: [pay-biz, pay-debug]
      tags:
        all: [exception_stack]
        any: prod
        none: [healthcheck, canary]
      fields:
        env: prod
        region: [cn-east, cn-north]
    message:
      match: ['\bERROR\b', 'FATAL']
      exclude: 'HealthCheck'
      case_insensitive: true
    group_by: fingerprint
    realert: 90s
)",
                            "rules.yaml");
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(set.files, std::vector<std::string>{"rules.yaml"});
  const Rule& r = set.rules[0];
  EXPECT_EQ(r.name, "pay-exception-stack");
  EXPECT_EQ(r.file, "rules.yaml");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.description, "Java exceptions");
  EXPECT_EQ(r.severity, "critical");
  EXPECT_EQ(r.types, (std::vector<std::string>{"pay-biz", "pay-debug"}));
  EXPECT_EQ(r.tags_all, std::vector<std::string>{"exception_stack"});
  EXPECT_EQ(r.tags_any, std::vector<std::string>{"prod"});
  EXPECT_EQ(r.tags_none, (std::vector<std::string>{"healthcheck", "canary"}));
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.fields[0].name, "env");
  EXPECT_EQ(r.fields[0].equals, std::vector<std::string>{"prod"});
  EXPECT_EQ(r.fields[1].name, "region");
  EXPECT_EQ(r.fields[1].equals, (std::vector<std::string>{"cn-east", "cn-north"}));
  ASSERT_EQ(r.match.size(), 2u);
  EXPECT_EQ(r.match[0].expression, "\\bERROR\\b");
  EXPECT_EQ(r.match[0].line, 16);
  EXPECT_TRUE(r.match[0].case_insensitive);
  EXPECT_EQ(r.match[1].expression, "FATAL");
  ASSERT_EQ(r.exclude.size(), 1u);
  EXPECT_EQ(r.exclude[0].expression, "HealthCheck");
  EXPECT_EQ(r.exclude[0].line, 17);
  EXPECT_TRUE(r.exclude[0].case_insensitive);
  EXPECT_EQ(r.group_by, GroupBy::fingerprint);
  EXPECT_EQ(r.realert, std::chrono::seconds(90));
}

// "\bERROR\b" in double quotes: YAML reads \b as a backspace. Flagged with the fix, in
// message patterns (regex or literal) and field regexes alike.
TEST(RulesLoader, ABackspaceFromADoubleQuotedEscapeIsFlaggedWithTheSingleQuotedFix) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      match: [\"\\bERROR\\b\"]\n"),
            "rules.yaml:4:15: rules[0] (a).message.match[0]: contains a backspace character: in a "
            "double-quoted YAML string \\b is a backspace, not a word boundary, so this never "
            "matches. Write it in single quotes: '\\bERROR\\b'");
  std::string field = problems_of(
      "rules:\n  - name: a\n    filter:\n      fields:\n        ua: {regex: \"\\bcurl\"}\n");
  EXPECT_NE(field.find("rules[0] (a).filter.fields.ua.regex: contains a backspace character"),
            std::string::npos)
      << field;
  EXPECT_NE(
      problems_of("rules:\n  - name: a\n    message:\n      exclude: [{literal: \"it's\\b\"}]\n")
          .find("A literal has no regex syntax; for word boundaries write a regex in single "
                "quotes: {regex: 'it''s\\b'}"),
      std::string::npos);
  EXPECT_NE(problems_of("rules:\n  - name: a\n    message:\n      match: [\"it's \\bbad\"]\n")
                .find("Write it in single quotes: 'it''s \\bbad'"),
            std::string::npos);
  // Single quotes, or a doubled backslash in double quotes, are what was meant.
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      match: ['\\bERROR\\b']\n"), "");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      match: [\"\\\\bERROR\\\\b\"]\n"),
            "");
}

// read_rules: every problem of every file, and the rules with problems kept as far as they
// parsed, so their patterns can still be checked.
TEST(RulesLoader, ReadRulesReportsEveryFileAndKeepsBrokenRules) {
  TempDir dir;
  dir.write("a.yaml",
            "rules:\n  - name: good\n  - name: bad\n    realert: soon\n"
            "    message: {match: ['(a)\\1']}\n");
  dir.write("b.yaml", "rules:\n  - name: [x\n");
  RulesReport report = read_rules(dir.path());
  ASSERT_EQ(report.usable.rules.size(), 1u);
  EXPECT_EQ(report.usable.rules[0].name, "good");
  EXPECT_EQ(report.usable.rules[0].index_in_file, 0);
  ASSERT_EQ(report.broken.size(), 1u);
  EXPECT_EQ(report.broken[0].name, "bad");
  EXPECT_EQ(report.broken[0].index_in_file, 1);
  ASSERT_EQ(report.broken[0].match.size(), 1u);
  EXPECT_EQ(report.broken[0].match[0].expression, "(a)\\1");
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].key, "rules[1] (bad).realert");
  EXPECT_NE(report.problems[1].what.find("not valid YAML"), std::string::npos);
  EXPECT_THROW(load_rules(dir.path()), LoadError);
}

TEST(RulesLoader, Defaults) {
  RuleSet set = parse_rules("rules:\n  - name: r1\n", "rules.yaml");
  ASSERT_EQ(set.rules.size(), 1u);
  const Rule& r = set.rules[0];
  EXPECT_EQ(r.severity, "warning");
  EXPECT_EQ(r.group_by, GroupBy::rule);
  EXPECT_EQ(r.realert, std::chrono::minutes(5));
  EXPECT_TRUE(r.types.empty());
  EXPECT_TRUE(r.match.empty());
  EXPECT_TRUE(r.exclude.empty());
}

TEST(RulesLoader, EmptyFileIsAllowedAnEmptyRuleSetIsNot) {
  EXPECT_TRUE(parse_rules("rules: []\n", "rules.yaml").rules.empty());
  TempDir dir;
  std::string f = dir.write("none.yaml", "rules: []\n");
  EXPECT_EQ(load_problems(f),
            f + ": no rules: every file's `rules:` list is empty, so nothing would ever alert");
}

TEST(RulesLoader, GroupByFieldAndQueryKeyAlias) {
  RuleSet set = parse_rules(R"(rules:
  - name: a
    group_by: merchant_id
  - name: b
    query_key: host
  - name: c
    query_key: rule
)",
                            "rules.yaml");
  EXPECT_EQ(set.rules[0].group_by, GroupBy::field);
  EXPECT_EQ(set.rules[0].group_field, "merchant_id");
  EXPECT_EQ(set.rules[1].group_by, GroupBy::field);
  EXPECT_EQ(set.rules[1].group_field, "host");
  EXPECT_EQ(set.rules[2].group_by, GroupBy::rule);
}

TEST(RulesLoader, ExtraFieldsAreTheNonStandardOnes) {
  RuleSet set = parse_rules(R"(rules:
  - name: a
    filter:
      fields: {env: prod, host: web1, "@timestamp": x}
    group_by: merchant_id
  - name: b
    filter:
      fields: {env: test, region: eu}
    group_by: path
)",
                            "rules.yaml");
  EXPECT_EQ(set.extra_fields(), (std::vector<std::string>{"env", "merchant_id", "region"}));
}

TEST(RulesLoader, UnknownKey) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      typ: pay-biz\n"),
            "rules.yaml:4:7: rules[0] (a).filter.typ: unknown key (allowed: type, tags, fields)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      matchh: x\n"),
            "rules.yaml:4:7: rules[0] (a).message.matchh: unknown key (allowed: match, exclude, "
            "case_insensitive)");
  EXPECT_EQ(problems_of("rule:\n  - name: a\n"),
            "rules.yaml:1:1: rule: unknown key (allowed: rules)\n"
            "rules.yaml:1:1: rules: is required (a list of rules; `rules: []` for none)");
}

TEST(RulesLoader, DuplicateKey) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    severity: error\n    severity: info\n"),
            "rules.yaml:4:5: rules[0] (a).severity: duplicate key (an earlier line already sets "
            "it)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      tags:\n        all: [x]\n"
                        "        all: [y]\n"),
            "rules.yaml:6:9: rules[0] (a).filter.tags.all: duplicate key (an earlier line already "
            "sets it)");
}

TEST(RulesLoader, BadSeverity) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    severity: urgent\n"),
            "rules.yaml:3:15: rules[0] (a).severity: 'urgent' is not a severity (critical, error, "
            "warning or info)");
}

TEST(RulesLoader, BadDuration) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    realert: 5 minutes\n"),
            "rules.yaml:3:14: rules[0] (a).realert: must be a duration such as 500ms, 30s, 5m, 2h "
            "or 1d");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: frequency\n    num_events: 3\n"
                        "    timeframe: 0s\n"),
            "rules.yaml:5:16: rules[0] (a).timeframe: must be longer than 0");
  EXPECT_EQ(
      parse_rules("rules:\n  - name: a\n    realert: 0s\n", "r.yaml").rules[0].realert.count(), 0)
      << "realert 0: never suppress";
}

TEST(RulesLoader, GroupByAndQueryKeyTogether) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    group_by: host\n    query_key: host\n"),
            "rules.yaml:4:16: rules[0] (a).query_key: query_key is an alias of group_by; give only "
            "one of them");
}

TEST(RulesLoader, RulesMustBeAList) {
  EXPECT_EQ(problems_of("rules:\n  name: a\n"), "rules.yaml:2:3: rules: must be a list of rules");
  EXPECT_EQ(problems_of("- name: a\n"), "rules.yaml:1:1: (top level): must be a map of key: value");
  EXPECT_EQ(problems_of(""),
            "rules.yaml: rules: is required: the file must be a map with a `rules:` list");
}

TEST(RulesLoader, RuleTypes) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: cardinality\n"),
            "rules.yaml:3:11: rules[0] (a).type: ElastAlert's rule type 'cardinality' is not "
            "supported (any, frequency, flatline, spike or new_term)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: anything\n"),
            "rules.yaml:3:11: rules[0] (a).type: unknown rule type 'anything' (any, frequency, "
            "flatline, spike or new_term)");
}

TEST(RulesLoader, NameRequiredValidAndUnique) {
  EXPECT_EQ(problems_of("rules:\n  - severity: error\n"),
            "rules.yaml:2:5: rules[0].name: is required");
  EXPECT_EQ(problems_of("rules:\n  - name: pay errors\n"),
            "rules.yaml:2:11: rules[0].name: 'pay errors' is not a valid rule name (letters, "
            "digits, '_', '.', '-')");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n  - name: a\n"),
            "rules.yaml:3:11: rules[1].name: rule 'a' is already defined at rules.yaml:2 (names "
            "must be unique across all files)");
}

TEST(RulesLoader, WrongTypesNameTheirKeyPath) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n  - name: b\n    filter:\n      tags:\n"
                        "        any: {x: y}\n"),
            "rules.yaml:6:14: rules[1] (b).filter.tags.any: must be a string or a list of strings");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      type: []\n"),
            "rules.yaml:4:13: rules[0] (a).filter.type: is an empty list; remove the key instead");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      match: ['x', '']\n"),
            "rules.yaml:4:20: rules[0] (a).message.match[1]: an empty pattern matches everything; "
            "remove it instead");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    message:\n      case_insensitive: maybe\n"),
            "rules.yaml:4:25: rules[0] (a).message.case_insensitive: must be true or false");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n        tags: x\n"),
            "rules.yaml:5:9: rules[0] (a).filter.fields.tags: tags is a list; select on it with "
            "filter.tags");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n        env:\n"),
            "rules.yaml:5:9: rules[0] (a).filter.fields.env: needs a value, a list of values or a "
            "map of operators");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: frequency\n    num_events: many\n"
                        "    timeframe: 1m\n"),
            "rules.yaml:4:17: rules[0] (a).num_events: must be a whole number");
}

TEST(RulesLoader, ReportsEveryProblemAtOnceInFileOrder) {
  std::string e = problems_of(R"(rules:
  - name: a
    severity: loud
  - name: b
    realert: soon
    colour: red
)");
  EXPECT_EQ(e,
            "rules.yaml:3:15: rules[0] (a).severity: 'loud' is not a severity (critical, error, "
            "warning or info)\n"
            "rules.yaml:5:14: rules[1] (b).realert: must be a duration such as 500ms, 30s, 5m, 2h "
            "or 1d\n"
            "rules.yaml:6:5: rules[1] (b).colour: unknown key (allowed: name, description, "
            "severity, type, filter, message, group_by, query_key, realert, timeframe, "
            "num_events, threshold, spike_height, spike_type, threshold_cur, threshold_ref, "
            "terms_window, notify)")
      << e;
}

TEST(RulesLoader, YamlSyntaxErrorNamesLine) {
  std::string e = problems_of("rules:\n  - name: [a, b\n");
  EXPECT_EQ(e.rfind("rules.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
}

TEST(RulesLoader, DirectoryLoadsRuleFilesInNameOrder) {
  TempDir dir;
  dir.write("b.yaml", "rules:\n  - name: from-b\n");
  dir.write("a.yml", "rules:\n  - name: from-a-1\n  - name: from-a-2\n");
  dir.write("c.yaml", "rules: []\n");
  dir.write(".hidden.yaml", "not: [valid\n");
  dir.write("notes.txt", "not rules\n");
  dir.write("b.yaml~", "not rules\n");
  fs::create_directory(fs::path(dir.path()) / "sub.yaml");
  RuleSet set = load_rules(dir.path());
  ASSERT_EQ(set.files.size(), 3u);
  EXPECT_EQ(fs::path(set.files[0]).filename(), "a.yml");
  EXPECT_EQ(fs::path(set.files[1]).filename(), "b.yaml");
  EXPECT_EQ(fs::path(set.files[2]).filename(), "c.yaml");
  ASSERT_EQ(set.rules.size(), 3u);
  EXPECT_EQ(set.rules[0].name, "from-a-1");
  EXPECT_EQ(set.rules[1].name, "from-a-2");
  EXPECT_EQ(set.rules[2].name, "from-b");
  EXPECT_EQ(set.rules[2].file, set.files[1]);
}

TEST(RulesLoader, DuplicateNamesAcrossFilesNameBothPlaces) {
  TempDir dir;
  std::string a = dir.write("a.yaml", "rules:\n  - name: x\n  - name: pay-errors\n");
  std::string b = dir.write("b.yaml", "rules:\n  - name: y\n\n  - name: pay-errors\n");
  EXPECT_EQ(load_problems(dir.path()),
            b + ":4:11: rules[1].name: rule 'pay-errors' is already defined at " + a +
                ":3 (names must be unique across all files)");
}

TEST(RulesLoader, ProblemsOfEveryFileAreReported) {
  TempDir dir;
  std::string a = dir.write("a.yaml", "rules:\n  - name: a\n    severity: high\n");
  std::string b = dir.write("b.yaml", "rules: nope\n");
  EXPECT_EQ(load_problems(dir.path()),
            a +
                ":3:15: rules[0] (a).severity: 'high' is not a severity (critical, error, warning "
                "or info)\n" +
                b + ":1:8: rules: must be a list of rules");
}

TEST(RulesLoader, SingleFileAndMissingPaths) {
  TempDir dir;
  std::string f = dir.write("only.yml", "rules:\n  - name: only\n");
  RuleSet set = load_rules(f);
  EXPECT_EQ(set.files, std::vector<std::string>{f});
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(set.rules[0].file, f);

  std::string missing = dir.path() + "/nope.yaml";
  EXPECT_EQ(load_problems(missing), missing + ": no such file or directory");
  fs::create_directory(fs::path(dir.path()) / "empty");
  EXPECT_EQ(load_problems(dir.path() + "/empty"),
            dir.path() + "/empty: no *.yaml or *.yml rule files in it");
}

TEST(RulesLoader, PayRulesLoad) {
  RuleSet set = load_rules(KLAXON_SOURCE_DIR "/rules/pay.yaml");
  ASSERT_EQ(set.rules.size(), 2u);
  const std::vector<std::string> noise{"HealthCheck", "ClientAbortException", "Broken pipe",
                                       "test-merchant"};
  auto expressions = [](const std::vector<Pattern>& ps) {
    std::vector<std::string> v;
    for (const auto& p : ps) v.push_back(p.expression);
    return v;
  };

  const Rule& log = set.rules[0];
  EXPECT_EQ(log.name, "pay-error-log");
  EXPECT_EQ(log.severity, "error");
  EXPECT_EQ(log.types, (std::vector<std::string>{"pay-biz", "pay-debug"}));
  EXPECT_EQ(log.tags_none, std::vector<std::string>{"exception_stack"});
  EXPECT_EQ(expressions(log.match), std::vector<std::string>{"\\bERROR\\b"});
  EXPECT_EQ(expressions(log.exclude), noise);
  EXPECT_EQ(log.group_by, GroupBy::rule);
  EXPECT_EQ(log.realert, std::chrono::minutes(5));

  const Rule& stack = set.rules[1];
  EXPECT_EQ(stack.name, "pay-exception-stack");
  EXPECT_EQ(stack.severity, "critical");
  EXPECT_TRUE(stack.types.empty());
  EXPECT_EQ(stack.tags_all, std::vector<std::string>{"exception_stack"});
  EXPECT_TRUE(stack.match.empty());
  EXPECT_EQ(expressions(stack.exclude), noise);
  EXPECT_EQ(stack.group_by, GroupBy::fingerprint);
  EXPECT_EQ(stack.realert, std::chrono::minutes(5));
  EXPECT_TRUE(set.extra_fields().empty());
}

}  // namespace
}  // namespace klaxon

namespace klaxon {
namespace {

TEST(RulesLoaderTypes, ReadsEveryTypeAndItsParameters) {
  RuleSet set = parse_rules(R"(rules:
  - name: burst
    type: frequency
    num_events: 20
    timeframe: 5m
    realert: 10m
  - name: stopped
    type: flatline
    threshold: 3
    timeframe: 2m
    realert: 0s
  - name: surge
    type: spike
    spike_height: 2.5
    spike_type: both
    timeframe: 10m
    threshold_cur: 5
    threshold_ref: 0
  - name: fresh-bug
    type: new_term
    group_by: fingerprint
    terms_window: 7d
  - name: defaults
    type: spike
    spike_height: 3
    timeframe: 1h
)",
                            "rules.yaml");
  ASSERT_EQ(set.rules.size(), 5u);
  const Rule& f = set.rules[0];
  EXPECT_EQ(f.type, RuleType::frequency);
  EXPECT_EQ(f.num_events, 20);
  EXPECT_EQ(f.timeframe, std::chrono::minutes(5));
  EXPECT_EQ(f.realert, std::chrono::minutes(10));
  const Rule& fl = set.rules[1];
  EXPECT_EQ(fl.type, RuleType::flatline);
  EXPECT_EQ(fl.threshold, 3);
  EXPECT_EQ(fl.realert.count(), 0);
  const Rule& s = set.rules[2];
  EXPECT_EQ(s.type, RuleType::spike);
  EXPECT_DOUBLE_EQ(s.spike_height, 2.5);
  EXPECT_EQ(s.spike_type, SpikeDirection::both);
  EXPECT_EQ(s.threshold_cur, 5);
  EXPECT_EQ(s.threshold_ref, 0);
  const Rule& n = set.rules[3];
  EXPECT_EQ(n.type, RuleType::new_term);
  EXPECT_EQ(n.terms_window, std::chrono::hours(24 * 7));
  const Rule& d = set.rules[4];
  EXPECT_EQ(d.spike_type, SpikeDirection::up);
  EXPECT_EQ(d.threshold_cur, 0);
  EXPECT_EQ(d.threshold_ref, 1);
  EXPECT_EQ(Rule().terms_window, std::chrono::hours(24 * 30)) << "new_term's default";
}

TEST(RulesLoaderTypes, MissingAndMisplacedParametersAreNamed) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: frequency\n    timeframe: 5m\n"),
            "rules.yaml:2:5: rules[0] (a).num_events: is required for a frequency rule");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    num_events: 5\n"),
            "rules.yaml:3:17: rules[0] (a).num_events: num_events applies to frequency rules "
            "only (this rule is of type any)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: new_term\n    timeframe: 5m\n"),
            "rules.yaml:4:16: rules[0] (a).timeframe: timeframe applies to frequency, flatline, "
            "spike rules only (this rule is of type new_term)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: spike\n    timeframe: 5m\n"
                        "    spike_height: 1\n    spike_type: sideways\n"),
            "rules.yaml:5:19: rules[0] (a).spike_height: must be a ratio above 1 (e.g. 3: three "
            "times the previous window)\n"
            "rules.yaml:6:17: rules[0] (a).spike_type: 'sideways' is not up, down or both");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    type: flatline\n    timeframe: 5m\n"
                        "    threshold: 0\n"),
            "rules.yaml:5:16: rules[0] (a).threshold: must be between 1 and 2147483647");
}

TEST(RulesLoaderFields, ReadsEveryOperator) {
  RuleSet set = parse_rules(R"(rules:
  - name: a
    filter:
      fields:
        env: prod
        region: [cn-east, cn-north]
        logger: {prefix: [com.pay., com.order.]}
        agent: {regex: 'curl/\d+', case_insensitive: true}
        trace_id: {exists: true}
        debug: {exists: false}
        status: {gte: 500, lt: 600}
        cost: {gt: 0.5, lte: 2}
        stage: {equals: [canary]}
)",
                            "rules.yaml");
  const auto& f = set.rules[0].fields;
  ASSERT_EQ(f.size(), 9u);
  EXPECT_EQ(f[0].equals, std::vector<std::string>{"prod"});
  EXPECT_EQ(f[1].equals, (std::vector<std::string>{"cn-east", "cn-north"}));
  EXPECT_EQ(f[2].prefixes, (std::vector<std::string>{"com.pay.", "com.order."}));
  ASSERT_TRUE(f[3].regex);
  EXPECT_EQ(f[3].regex->expression, "curl/\\d+");
  EXPECT_TRUE(f[3].regex->case_insensitive);
  EXPECT_EQ(f[3].regex->line, 8);
  EXPECT_EQ(f[4].exists, std::optional<bool>(true));
  EXPECT_EQ(f[5].exists, std::optional<bool>(false));
  EXPECT_EQ(f[6].gte, std::optional<double>(500));
  EXPECT_EQ(f[6].lt, std::optional<double>(600));
  EXPECT_FALSE(f[6].gt);
  EXPECT_EQ(f[7].gt, std::optional<double>(0.5));
  EXPECT_EQ(f[7].lte, std::optional<double>(2));
  EXPECT_EQ(f[8].equals, std::vector<std::string>{"canary"});
  EXPECT_EQ(set.extra_fields(),
            (std::vector<std::string>{"env", "region", "logger", "agent", "trace_id", "debug",
                                      "status", "cost", "stage"}));
}

TEST(RulesLoaderFields, BadOperatorsAreNamed) {
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n"
                        "        status: {above: 3}\n"),
            "rules.yaml:5:18: rules[0] (a).filter.fields.status.above: unknown key (allowed: "
            "equals, prefix, regex, case_insensitive, exists, gt, gte, lt, lte)");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n"
                        "        status: {gte: high}\n"),
            "rules.yaml:5:23: rules[0] (a).filter.fields.status.gte: must be a number");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n"
                        "        trace: {exists: false, prefix: x}\n"),
            "rules.yaml:5:16: rules[0] (a).filter.fields.trace: exists: false cannot be combined "
            "with other operators");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    filter:\n      fields:\n"
                        "        env: {case_insensitive: true}\n"),
            "rules.yaml:5:33: rules[0] (a).filter.fields.env.case_insensitive: applies to `regex` "
            "only");
}

TEST(RulesLoaderPatterns, LiteralAndRegexItemsWithTheirOwnCase) {
  RuleSet set = parse_rules(R"(rules:
  - name: a
    message:
      case_insensitive: true
      match: ['\bERROR\b', {literal: 'a.b*c'}, {regex: 'x+', case_insensitive: false}]
      exclude: {literal: 'Broken pipe'}
    group_by: match
)",
                            "rules.yaml");
  const Rule& r = set.rules[0];
  ASSERT_EQ(r.match.size(), 3u);
  EXPECT_FALSE(r.match[0].literal);
  EXPECT_TRUE(r.match[0].case_insensitive);
  EXPECT_TRUE(r.match[1].literal);
  EXPECT_EQ(r.match[1].expression, "a.b*c");
  EXPECT_TRUE(r.match[1].case_insensitive);
  EXPECT_FALSE(r.match[2].case_insensitive);
  EXPECT_EQ(r.match[2].column, 48);
  ASSERT_EQ(r.exclude.size(), 1u);
  EXPECT_TRUE(r.exclude[0].literal);
  EXPECT_EQ(r.group_by, GroupBy::match_text);
  EXPECT_EQ(
      problems_of("rules:\n  - name: a\n    message:\n      match: [{literal: x, regex: y}]\n"),
      "rules.yaml:4:15: rules[0] (a).message.match[0]: give exactly one of `regex` and "
      "`literal`");
  EXPECT_EQ(problems_of("rules:\n  - name: a\n    group_by: match\n"),
            "rules.yaml:3:15: rules[0] (a).group_by: group_by: match needs at least one "
            "message.match pattern");
}

TEST(RulesLoader, NotifyNamesChannelsThatMustBeConfigured) {
  RuleSet rules = parse_rules(
      "rules:\n  - name: a\n    message: {match: ERROR}\n    notify: [oncall-mail, pager]\n"
      "  - name: b\n    message: {match: WARN}\n  - name: c\n    message: {match: x}\n"
      "    notify: []\n",
      "pay.yaml");
  ASSERT_EQ(rules.rules.size(), 3u);
  EXPECT_EQ(*rules.rules[0].notify, (std::vector<std::string>{"oncall-mail", "pager"}));
  EXPECT_FALSE(rules.rules[1].notify.has_value());  // the config's default channels
  EXPECT_TRUE(rules.rules[2].notify->empty());      // the alerts topic only
  EXPECT_NO_THROW(check_notify(rules, {"oncall-mail", "pager"}));
  try {
    check_notify(rules, {"oncall-mail"});
    FAIL() << "no error";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()),
              "pay.yaml:4: a.notify: 'pager' is not a channel of the config's notify.channels "
              "(oncall-mail)");
  }
}

}  // namespace
}  // namespace klaxon
