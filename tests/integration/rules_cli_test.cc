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

// One file per class of mistake; every one is reported in one run, each with
// file:line:column, the rule and the key, Hyperscan's verdicts too (also on a file whose
// other rules have problems), and the exit status says "invalid".
TEST(RulesCheck, EveryProblemOfEveryFileIsReportedInOneRun) {
  TempDir dir;
  std::string syntax = write(dir, "rules/a-syntax.yaml", "rules:\n  - name: [a, b\n");
  std::string unknown =
      write(dir, "rules/b-unknown.yaml", "rules:\n  - name: b\n    message:\n      matchh: x\n");
  std::string wrong_type =
      write(dir, "rules/c-type.yaml", "rules:\n  - name: c\n    realert: soon\n");
  std::string regex = write(dir, "rules/d-regex.yaml",
                            "rules:\n  - name: d\n    message:\n      match: ['(a)\\1']\n");
  // A double-quoted \b is YAML's backspace; '.*' matches the empty string; the same rule
  // has a bad duration, and its patterns are checked all the same.
  std::string traps = write(dir, "rules/e-traps.yaml",
                            "rules:\n  - name: e\n    realert: soon\n    message:\n"
                            "      match: [\"\\bERROR\\b\", '.*']\n");
  CliResult r = run_klaxon(dir, "rules check " + dir.file("rules"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            syntax + ":3:1: not valid YAML: end of sequence flow not found\n" + unknown +
                ":4:7: rules[0] (b).message.matchh: unknown key (allowed: match, exclude, "
                "case_insensitive)\n" +
                wrong_type +
                ":3:14: rules[0] (c).realert: must be a duration such as 500ms, 30s, 5m, 2h or "
                "1d\n" +
                regex +
                ":4:15: rules[0] (d).message.match[0]: Hyperscan rejects pattern '(a)\\1': "
                "Back-references are unsupported.\n" +
                traps +
                ":3:14: rules[0] (e).realert: must be a duration such as 500ms, 30s, 5m, 2h or "
                "1d\n" +
                traps +
                ":5:15: rules[0] (e).message.match[0]: contains a backspace character: in a "
                "double-quoted YAML string \\b is a backspace, not a word boundary, so this "
                "never matches. Write it in single quotes: '\\bERROR\\b'\n" +
                traps +
                ":5:28: rules[0] (e).message.match[1]: pattern '.*' can match an empty string, "
                "so it would match every event (and Hyperscan refuses it): make it require some "
                "text, e.g. 'ERROR.*' rather than '.*', 'timeout \\d+' rather than '\\d*'. To "
                "select every event the filter passes, leave message.match out\n"
                "7 problems\n");

  // A regex escape in double quotes that YAML does not know is a YAML error that says so.
  std::string escape = write(dir, "escape/f.yaml",
                             "rules:\n  - name: f\n    message:\n      match: [\"\\d+ ms\"]\n");
  r = run_klaxon(dir, "rules check " + escape);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown escape character: d (in a double-quoted string a backslash "
                       "starts a YAML escape: write a regex in single quotes"),
            std::string::npos)
      << r.err;

  std::string empty = write(dir, "empty/none.yaml", "rules: []\n");
  r = run_klaxon(dir, "rules check " + dir.file("empty"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(dir.file("empty") + ": no rules"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n1 problem\n"), std::string::npos) << r.err;
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
  r = run_klaxon(dir, "rules test " + good);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("give either --input FILE|- or --topic TOPIC"), std::string::npos);
}

// A backtest that tested nothing says why and exits 1, so a rule change never looks safe
// on no evidence; --allow-empty accepts it. An input that cannot be read exits 1 too.
TEST(RulesTest, EmptyAndUnreadableBacktestsExitNonZeroWithTheReason) {
  TempDir dir;
  std::string rules = write(dir, "burst.yaml", kBurstRule);
  auto test = [&](const std::string& args) {
    return run_klaxon(dir, "rules test " + rules + " " + args);
  };

  CliResult r = test("--input /dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("0 alerts would have fired"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("rules test: /dev/null held no records, so nothing was tested and \"0 "
                       "alerts\" proves nothing. Exit 1 (--allow-empty accepts an empty run)"),
            std::string::npos)
      << r.err;
  r = test("--input /dev/null --allow-empty");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("nothing was tested (--allow-empty)"), std::string::npos) << r.err;

  r = test("--input " + dir.path());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--input " + dir.path() + " is a directory; give one file"),
            std::string::npos)
      << r.err;
  r = test("--input " + dir.file("missing.ndjson"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open --input " + dir.file("missing.ndjson") +
                       ": No such file or directory"),
            std::string::npos)
      << r.err;

  std::string broken = write(dir, "broken.ndjson", "{\"message\": \"x\"\n{\"message\": 5,\n");
  r = test("--input " + broken);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(
      r.err.find("all 2 records of " + broken + " were invalid (the summary gives the reasons)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("2 records read, 2 invalid (malformed_json 2)"), std::string::npos) << r.out;

  // A record past decode.max_event_bytes (binary junk without newlines, say) is cut as it is
  // read and counted oversized, never held whole.
  std::string huge = write(dir, "huge.ndjson", std::string(3 << 20, 'x') + "\n" + burst_input());
  r = test("--input " + huge);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("9 records read, 1 invalid (oversized 1)"), std::string::npos) << r.out;

  std::string input = write(dir, "events.ndjson", burst_input());
  r = test("--input " + input + " --from 2030-01-01T00:00:00Z");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("every event of " + input + " was outside --from/--to"), std::string::npos)
      << r.err;
}

// Standard input is read in blocks as a file is, with the same result, piped or redirected.
TEST(RulesTest, StandardInputGivesWhatTheFileGives) {
  TempDir dir;
  std::string events = dir.file("pay.ndjson");
  std::string generate = std::string(KLAXON_BINARY) +
                         " generate --stdout -n 30000 --seed 11 --error-ratio 0.05 > " + events;
  ASSERT_EQ(std::system(generate.c_str()), 0);
  std::string rules = source_path("rules/pay.yaml");
  // The summary's first line ends with the run's duration, which differs.
  auto without_timing = [](std::string out) {
    size_t at = out.find(" in ", out.find("== rules test:"));
    return out.erase(at, out.find('\n', at) - at);
  };
  CliResult file = run_klaxon(dir, "rules test " + rules + " --input " + events);
  ASSERT_EQ(file.status, 0) << file.err;
  EXPECT_NE(file.out.find("30,000 records read, 0 invalid"), std::string::npos) << file.out;
  CliResult redirected = run_klaxon(dir, "rules test " + rules + " --input - < " + events);
  EXPECT_EQ(redirected.status, 0) << redirected.err;
  EXPECT_EQ(without_timing(redirected.out), without_timing(file.out));
  std::string cmd = "cat " + events + " | " + std::string(KLAXON_BINARY) + " rules test " + rules +
                    " --input - > " + dir.file("piped.out");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(without_timing(slurp(dir.file("piped.out"))), without_timing(file.out));
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
  EXPECT_NE(r.out.find(" would have fired"), std::string::npos) << r.out;
  EXPECT_EQ(kafka.committed("klaxon-rules-test", "pay_log_topic").begin()->second, -1001)
      << "nothing committed";

  // The mock cluster cannot look offsets up by time: an error naming the cause and the way
  // around it, not an empty run that looks like a pass.
  r = run_klaxon(dir, "rules test " + rules + " --topic pay_log_topic -b " + kafka.bootstrap() +
                          " --from-time 2026-11-24T10:00:00Z");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--from-time 2026-11-24T10:00:00Z: the cluster found no offset at or "
                       "after that time in "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Start at an offset instead: --from-offset N"), std::string::npos) << r.err;
  r = run_klaxon(dir, "rules test " + rules + " --topic pay_log_topic -b " + kafka.bootstrap() +
                          " --from-offset 0");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("8 records read"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace klaxon::testing
