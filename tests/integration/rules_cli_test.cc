// `klaxon rules check` and `klaxon rules test` as ops run them: the built binary, real files,
// exit codes and output; `rules test --topic` against the mock cluster.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "alert/alert.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.file(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  return path;
}

TEST(RulesCheck, ShippedRulesAreValid) {
  TempDir dir;
  CliResult r = run_klaxon(dir, "rules check " + source_path("rules"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ok: ", 0), 0u) << r.out;
  EXPECT_EQ(r.err, "");
}

// One file per class of mistake; every one is reported, each with file:line:column, the
// rule and the key, and the exit status says "invalid".
TEST(RulesCheck, EveryClassOfErrorIsReportedWithItsPlace) {
  TempDir dir;
  std::string syntax = write(dir, "rules/a-syntax.yaml", "rules:\n  - name: [a, b\n");
  std::string unknown =
      write(dir, "rules/b-unknown.yaml", "rules:\n  - name: b\n    message:\n      matchh: x\n");
  std::string wrong_type =
      write(dir, "rules/c-type.yaml", "rules:\n  - name: c\n    realert: soon\n");
  std::string regex = write(dir, "rules/d-regex.yaml",
                            "rules:\n  - name: d\n    message:\n      match: ['(a)\\1']\n");
  CliResult r = run_klaxon(dir, "rules check " + dir.file("rules"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(syntax + ":3:1: not valid YAML"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(unknown + ":4:7: rules[0] (b).message.matchh: unknown key"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(wrong_type + ":3:14: rules[0] (c).realert: must be a duration"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\n3 problems\n"), std::string::npos)
      << "the regex is checked only once the files parse: " << r.err;

  // With the files fixed, the regex Hyperscan rejects is named.
  std::filesystem::remove(syntax);
  std::filesystem::remove(unknown);
  std::filesystem::remove(wrong_type);
  r = run_klaxon(dir, "rules check " + dir.file("rules"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, regex +
                       ":4:15: rules[0] (d).message.match[0]: Hyperscan rejects pattern '(a)\\1': "
                       "Back-references are unsupported.\n1 problem\n");

  std::string empty = write(dir, "empty/none.yaml", "rules: []\n");
  r = run_klaxon(dir, "rules check " + dir.file("empty"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(dir.file("empty") + ": no rules"), std::string::npos) << r.err;
}

std::string event(const std::string& iso, const std::string& message) {
  return R"({"@timestamp":")" + iso + R"(","type":"pay-biz","host":"pay-app-01","message":")" +
         message + "\"}\n";
}

const char* kBurstRule = R"(rules:
  - name: failure-burst
    type: frequency
    num_events: 3
    timeframe: 5m
    realert: 0s
    message: {match: ['pay-failure']}
)";

std::string burst_input() {
  std::string s;
  for (const char* t : {"10:00", "10:02", "10:04", "10:30", "10:40", "10:41", "10:42"})
    s += event(std::string("2026-11-24T") + t + ":00Z", "pay-failure code=TIMEOUT");
  return s + "not json at all, a plain line\n";
}

TEST(RulesTest, PrintsWhatWouldHaveFiredAndASummary) {
  TempDir dir;
  std::string rules = write(dir, "burst.yaml", kBurstRule);
  std::string input = write(dir, "events.ndjson", burst_input());
  CliResult r = run_klaxon(dir, "rules test " + rules + " --input " + input);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("[WARNING] failure-burst at 2026-11-24T10:04:00.000Z"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[WARNING] failure-burst at 2026-11-24T10:42:00.000Z"), std::string::npos);
  EXPECT_NE(r.out.find("why        3 matches within 4m (num_events 3 within 5m)"),
            std::string::npos);
  EXPECT_NE(r.out.find("8 records read, 0 invalid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failure-burst                    frequency           7          2"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 alerts would have fired"), std::string::npos);
  EXPECT_EQ(r.err, "") << "no progress bar when stderr is not a terminal";

  // --json: the alert documents, the summary on stderr; --from skips the first burst.
  r = run_klaxon(
      dir, "rules test " + rules + " --input " + input + " --json --from 2026-11-24T10:10:00Z");
  EXPECT_EQ(r.status, 0);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<Alert> alerts;
  while (std::getline(lines, line)) {
    Alert a;
    ASSERT_TRUE(from_json(line, a)) << line;
    alerts.push_back(a);
  }
  ASSERT_EQ(alerts.size(), 1u) << r.out;
  EXPECT_EQ(alerts[0].window_start_ms, *parse_timestamp_ms("2026-11-24T10:40:00Z"));
  EXPECT_NE(r.err.find("3 outside --from/--to"), std::string::npos) << r.err;
}

TEST(RulesTest, ReadsStdinAndPlainLoghubLines) {
  TempDir dir;
  std::string rules = write(dir, "zk.yaml", R"(rules:
  - name: zk-connection-broken
    message: {match: ['Connection broken']}
    realert: 1h
)");
  CliResult r = run_klaxon(dir, "rules test " + rules + " --plain --input - < " +
                                    std::string(KLAXON_TEST_DATA) + "/loghub/Zookeeper_200.log");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("200 records read"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("from 2015-07-29T17:41:44.747Z"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[WARNING] zk-connection-broken at 2015-07-29T19:13:24.282Z"),
            std::string::npos)
      << r.out;
}

TEST(RulesTest, BadRulesAndMissingInputs) {
  TempDir dir;
  std::string bad = write(dir, "bad.yaml", "rules:\n  - name: a\n    type: frequency\n");
  CliResult r = run_klaxon(dir, "rules test " + bad + " --input /dev/null");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("num_events: is required for a frequency rule"), std::string::npos);
  std::string good = write(dir, "good.yaml", kBurstRule);
  r = run_klaxon(dir, "rules test " + good + " --input " + dir.file("missing.ndjson"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot open the input file"), std::string::npos) << r.err;
  r = run_klaxon(dir, "rules test " + good);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("give either --input FILE|- or --topic TOPIC"), std::string::npos);
}

TEST(RulesTest, ReadsATopicWithoutJoiningAGroup) {
  KafkaCluster kafka;
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> records;
  std::istringstream in(burst_input());
  std::string line;
  while (std::getline(in, line)) records.emplace_back("", line);
  kafka.produce("pay_log_topic", records);
  std::string rules = write(dir, "burst.yaml", kBurstRule);
  CliResult r =
      run_klaxon(dir, "rules test " + rules + " --topic pay_log_topic -b " + kafka.bootstrap());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("8 records read"), std::string::npos) << r.out;
  // Spread over partitions, the bursts still fire: event time orders them.
  EXPECT_NE(r.out.find("alerts would have fired"), std::string::npos) << r.out;
  EXPECT_EQ(kafka.committed("klaxon-rules-test", "pay_log_topic").begin()->second, -1001)
      << "nothing committed";
}

}  // namespace
}  // namespace klaxon::testing
