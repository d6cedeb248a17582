// `klaxon rules test`'s engine: recorded events in event time, through the real runner.
#include "cli/backtest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/log_time.h"
#include "core/time.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::SizeIs;

int64_t at(const std::string& iso) { return *parse_timestamp_ms(iso); }

std::string event(const std::string& iso, const std::string& type, const std::string& message) {
  return R"({"@timestamp":")" + iso + R"(","type":")" + type + R"(","message":")" + message +
         R"(","host":"pay-app-01","tags":[]})";
}

Rule rule(const std::string& name, RuleType type, const std::string& pattern) {
  Rule r;
  r.name = name;
  r.type = type;
  r.match.push_back(Pattern{pattern, false, false, 1, 1});
  return r;
}

struct Replay {
  test::TempDir dir;
  std::vector<Alert> alerts;
  std::unique_ptr<Backtest> backtest;

  Replay(std::vector<Rule> rules, BacktestOptions options = {}) {
    RuleSet set;
    set.rules = std::move(rules);
    backtest = std::make_unique<Backtest>(Matcher::compile(std::move(set)), dir.path(), options,
                                          [this](const Alert& a) { alerts.push_back(a); });
  }
  void feed(const std::string& record) { backtest->feed(record, "file", -1, 0, 0); }
};

TEST(Backtest, FrequencyFiresWhereAnIndependentCountSaysItShould) {
  Rule r = rule("pay-failure-burst", RuleType::frequency, "pay-failure");
  r.num_events = 3;
  r.timeframe = milliseconds(5 * 60'000);
  r.realert = milliseconds(0);
  Replay run({r});
  // Failures at these minutes past 10:00; bursts of 3 within 5 minutes at 10:04 and 10:32.
  const int minutes[] = {0, 2, 4, 10, 20, 24, 30, 31, 32};
  for (int m : minutes) {
    char iso[32];
    std::snprintf(iso, sizeof iso, "2026-11-24T10:%02d:00Z", m);
    run.feed(event(iso, "pay-biz", "pay-failure code=TIMEOUT"));
    run.feed(event(iso, "pay-biz", "pay-success"));
  }
  run.backtest->finish();
  ASSERT_THAT(run.alerts, SizeIs(2));
  EXPECT_EQ(run.alerts[0].event_time_ms, at("2026-11-24T10:04:00Z"));
  EXPECT_EQ(run.alerts[0].window_start_ms, at("2026-11-24T10:00:00Z"));
  EXPECT_EQ(run.alerts[0].count, 3u);
  EXPECT_EQ(run.alerts[1].event_time_ms, at("2026-11-24T10:32:00Z"));
  EXPECT_TRUE(run.alerts[1].has_source);
  EXPECT_EQ(run.backtest->totals().events, 18u);
  EXPECT_EQ(run.backtest->counters().matches[0], 9u);
}

TEST(Backtest, FlatlineFiresWhenPaySuccessStopsWhileOtherLogsGoOn) {
  Rule r = rule("pay-success-stopped", RuleType::flatline, "pay-success");
  r.threshold = 1;
  r.timeframe = milliseconds(5 * 60'000);
  r.realert = milliseconds(0);
  Replay run({r});
  for (int m = 0; m <= 40; ++m) {
    char iso[32];
    std::snprintf(iso, sizeof iso, "2026-11-24T10:%02d:00Z", m);
    if (m <= 20 || m >= 35) run.feed(event(iso, "pay-biz", "pay-success orderId=P1"));
    run.feed(event(iso, "pay-debug", "heartbeat"));
  }
  run.backtest->finish();
  ASSERT_THAT(run.alerts, SizeIs(1));
  const Alert& a = run.alerts[0];
  EXPECT_EQ(a.event_time_ms, at("2026-11-24T10:25:00Z")) << "5 minutes after the last one";
  EXPECT_EQ(a.window_start_ms, at("2026-11-24T10:20:00Z"));
  EXPECT_EQ(a.count, 0u);
  EXPECT_FALSE(a.has_source);
}

TEST(Backtest, FlatlineFiresAtTheEndOfTheInputWhenTimeRunsOn) {
  Rule r = rule("pay-success-stopped", RuleType::flatline, "pay-success");
  r.threshold = 1;
  r.timeframe = milliseconds(5 * 60'000);
  r.realert = milliseconds(20 * 60'000);
  BacktestOptions options;
  options.to_ms = at("2026-11-24T11:00:00Z");
  Replay run({r}, options);
  run.feed(event("2026-11-24T10:00:00Z", "pay-biz", "pay-success"));
  run.backtest->finish();
  // --to lets time run past the last event: the outage, then a reminder every 20 minutes.
  ASSERT_THAT(run.alerts, SizeIs(3));
  EXPECT_EQ(run.alerts[0].event_time_ms, at("2026-11-24T10:05:00Z"));
  EXPECT_EQ(run.alerts[1].event_time_ms, at("2026-11-24T10:25:00Z"));
  EXPECT_EQ(run.alerts[2].event_time_ms, at("2026-11-24T10:45:00Z"));
}

TEST(Backtest, FromAndToSkipEventsOutsideTheRange) {
  BacktestOptions options;
  options.from_ms = at("2026-11-24T10:10:00Z");
  options.to_ms = at("2026-11-24T10:20:00Z");
  Rule r = rule("errors", RuleType::any, "ERROR");
  r.realert = milliseconds(0);
  Replay run({r}, options);
  for (const char* t : {"10:05", "10:10", "10:15", "10:20", "10:25"})
    run.feed(event(std::string("2026-11-24T") + t + ":00Z", "pay-biz", "ERROR x"));
  run.feed("{not json");
  run.backtest->finish();
  EXPECT_THAT(run.alerts, SizeIs(3));
  EXPECT_EQ(run.backtest->totals().outside, 2u);
  EXPECT_EQ(run.backtest->totals().invalid.at("malformed_json"), 1u);
  EXPECT_EQ(run.backtest->totals().records, 6u);
}

// Real system logs (loghub's Zookeeper sample) as plain lines: alerts follow the lines' own
// timestamps, as an independent pass over the file computes them.
TEST(Backtest, PlainLoghubLinesInTheirOwnTime) {
  Rule r = rule("zk-warnings", RuleType::any, "\\bWARN\\b");
  r.realert = milliseconds(600'000);
  BacktestOptions options;
  options.plain = true;
  Replay run({r}, options);
  std::ifstream in(std::string(KLAXON_TEST_DATA) + "/loghub/Zookeeper_200.log");
  std::string line;
  std::vector<int64_t> expected;
  int64_t last_alert = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    run.feed(line);
    if (line.find(" WARN ") == std::string::npos) continue;
    int64_t t = *find_log_timestamp_ms(line);
    if (last_alert == 0 || t - last_alert >= 600'000) {
      expected.push_back(t);
      last_alert = t;
    }
  }
  run.backtest->finish();
  ASSERT_GT(expected.size(), 1u);
  std::vector<int64_t> got;
  for (const Alert& a : run.alerts) got.push_back(a.event_time_ms);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(run.backtest->totals().events, 200u);
}

}  // namespace
}  // namespace klaxon
