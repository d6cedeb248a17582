// Time without events, through the real engine: a flatline fires when traffic stops and
// nothing at all arrives, once per outage; replayed old logs are judged in their own time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "alert/alert.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string success(int64_t t_ms) {
  return R"({"@timestamp":")" + format_timestamp_ms(t_ms) +
         R"(","type":"pay-biz","host":"pay-app-01","message":"pay-success orderId=P1"})";
}

std::vector<Alert> alerts(KafkaCluster& kafka) {
  std::vector<Alert> out;
  for (const auto& r : kafka.read_all("pay_alerts")) {
    Alert a;
    EXPECT_TRUE(from_json(r.value, a)) << r.value;
    out.push_back(a);
  }
  return out;
}

Config flatline_config(const KafkaCluster& kafka, const TempDir& dir,
                       const std::string& timeframe) {
  std::filesystem::create_directories(dir.file("rules"));
  std::ofstream(dir.file("rules/stopped.yaml")) << "rules:\n  - name: pay-success-stopped\n"
                                                   "    type: flatline\n"
                                                   "    message: {match: ['pay-success']}\n"
                                                   "    threshold: 1\n    timeframe: "
                                                << timeframe << "\n    realert: 0s\n";
  Config config = test_config(kafka, dir, dir.file("rules"));
  config.state.grace_period = std::chrono::milliseconds(500);
  return config;
}

TEST(Flatline, FiresWhenTrafficStopsAndNothingArrivesOncePerOutage) {
  KafkaCluster kafka;
  TempDir dir;
  RunningEngine run(flatline_config(kafka, dir, "3s"));
  // Two seconds of live traffic, then silence.
  int64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    last = now_ms();
    kafka.produce("pay_log_topic", {{"", success(last)}});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.events >= 10; })) << run.error();
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.alerts_delivered >= 1; },
                       std::chrono::seconds(15)))
      << "no flatline alert after the traffic stopped";
  std::vector<Alert> got = alerts(kafka);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule_type, "flatline");
  EXPECT_FALSE(got[0].has_source);
  EXPECT_EQ(got[0].count, 0u);
  EXPECT_NEAR(static_cast<double>(got[0].event_time_ms), static_cast<double>(last + 3000), 250)
      << "fired at the moment it went quiet, in event time";
  // Still quiet: no repeat (realert 0). Then traffic returns and stops again: a new alert.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(alerts(kafka).size(), 1u);
  kafka.produce("pay_log_topic", {{"", success(now_ms())}});
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.alerts_delivered >= 2; },
                       std::chrono::seconds(15)));
  EXPECT_EQ(alerts(kafka).size(), 2u);
}

TEST(Flatline, ReplayedOldLogsAreJudgedInTheirOwnTime) {
  KafkaCluster kafka;
  TempDir dir;
  RunningEngine run(flatline_config(kafka, dir, "1h"));
  // Logs from 2015, a minute apart: never an hour without pay-success among them.
  int64_t t0 = *parse_timestamp_ms("2015-07-29T17:00:00Z");
  std::vector<std::pair<std::string, std::string>> records;
  for (int i = 0; i < 120; ++i) records.emplace_back("", success(t0 + i * 60'000));
  kafka.produce("pay_log_topic", records);
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.events >= 120; })) << run.error();
  // Against the wall clock they are eleven years old; in their own time nothing is flat.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(run.engine().stats().alerts.load(), 0u);
  EXPECT_TRUE(alerts(kafka).empty());
}

}  // namespace
}  // namespace klaxon::testing
