// schemas/rules.schema.json says what the loader accepts: the shipped rules, the commented
// examples and a file using every feature validate; files the loader rejects do not.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "match/matcher.h"
#include "match/rules_loader.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

std::string source(const std::string& relative) {
  return std::string(KLAXON_SOURCE_DIR) + "/" + relative;
}

int validate(const std::string& args) {
  std::string cmd = "python3 " + source("tests/match/validate_rules.py") + " " +
                    source("schemas/rules.schema.json") + " " + args;
  return std::system(cmd.c_str());
}

// rules/examples.yaml with its commented-out rules switched on.
std::string uncommented_examples() {
  std::ifstream in(source("rules/examples.yaml"));
  std::string line, out = "rules:\n";
  bool in_rules = false;
  while (std::getline(in, line)) {
    if (line.rfind("#  - name:", 0) == 0) in_rules = true;
    if (in_rules && line.rfind("#", 0) == 0) out += line.substr(1) + "\n";
  }
  return out;
}

const char* kEveryFeature = R"(rules:
  - name: every-feature
    description: uses every key
    severity: critical
    type: spike
    filter:
      type: [pay-biz, pay-debug]
      tags: {all: [a], any: [b, c], none: d}
      fields:
        env: prod
        zone: [1, 2]
        logger: {prefix: com.pay.}
        agent: {regex: 'curl', case_insensitive: true}
        trace: {exists: false}
        status: {gte: 500, lt: 600}
    message:
      match: ['\bERROR\b', {literal: 'a.b'}, {regex: x, case_insensitive: false}]
      exclude: {literal: HealthCheck}
      case_insensitive: true
    query_key: host
    realert: 0s
    timeframe: 10m
    spike_height: 2.5
    spike_type: both
    threshold_cur: 0
    threshold_ref: 3
)";

TEST(RulesSchema, AcceptsWhatTheLoaderAccepts) {
  test::TempDir dir;
  std::string examples = dir.path() + "/examples.yaml", every = dir.path() + "/every.yaml";
  std::ofstream(examples) << uncommented_examples();
  std::ofstream(every) << kEveryFeature;
  // The loader and Hyperscan accept them...
  EXPECT_GE(Matcher::compile(load_rules(examples))->rules().size(), 5u);
  EXPECT_EQ(Matcher::compile(load_rules(every))->rules().size(), 1u);
  // ... and so does the schema.
  EXPECT_EQ(validate(source("rules/pay.yaml") + " " + source("rules/pay-traffic.yaml") + " " +
                     source("rules/examples.yaml") + " " + examples + " " + every),
            0);
}

TEST(RulesSchema, RejectsWhatTheLoaderRejects) {
  const char* bad[] = {
      "rules:\n  - name: a\n    type: frequency\n    timeframe: 5m\n",  // num_events missing
      "rules:\n  - name: a\n    num_events: 3\n",                       // not a frequency rule
      "rules:\n  - name: a\n    type: spike\n    timeframe: 1m\n    spike_height: 1\n",
      "rules:\n  - name: a\n    message: {match: [{literal: x, regex: y}]}\n",
      "rules:\n  - name: a\n    filter: {fields: {s: {above: 3}}}\n",
      "rules:\n  - name: a\n    group_by: host\n    query_key: host\n",
      "rules:\n  - name: a\n    realert: soon\n",
      "rules:\n  - name: a b\n",
      "rules:\n  - name: a\n    type: cardinality\n",
  };
  test::TempDir dir;
  std::string files;
  int n = 0;
  for (const char* text : bad) {
    std::string path = dir.path() + "/bad" + std::to_string(n++) + ".yaml";
    std::ofstream(path) << text;
    EXPECT_THROW(Matcher::compile(load_rules(path)), LoadError) << text;
    files += " " + path;
  }
  EXPECT_EQ(validate("--expect-invalid" + files), 0);
}

}  // namespace
}  // namespace klaxon
