// Live reload under load: rule files edited while records flow through the real engine.
// Nothing is missed or counted twice across a swap, the state of unchanged rules carries
// over, a bad edit leaves the running rules in place.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "alert/alert.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

constexpr int64_t kT0 = 1795515330000;  // 2026-11-24T10:15:30Z
constexpr int kHosts = 6;

// Event i: an ERROR line from host i % 6; every 7th is FATAL instead.
std::string event(int i) {
  bool fatal = i % 7 == 0;
  return R"({"@timestamp":")" + std::to_string(kT0 + i) + R"(","type":"pay-biz","host":"pay-app-)" +
         std::to_string(i % kHosts) + R"(","message":")" + (fatal ? "FATAL" : "ERROR") +
         " something broke seq=" + std::to_string(i) + R"("})";
}

void write_rules(const std::string& file, const std::string& yaml) {
  // As editors do: a temp file renamed into place.
  std::ofstream(file + ".tmp") << yaml;
  std::filesystem::rename(file + ".tmp", file);
}

const char* kErrorsRule = R"(rules:
  - name: errors-by-host
    filter: {type: pay-biz}
    message: {match: ['\bERROR\b']}
    group_by: host
    realert: 1d
)";

double metric(RunningEngine& run, const std::string& name,
              const std::vector<std::string>& labels = {}) {
  std::string body;
  if (http_get(run.engine().metrics_port(), "/metrics", body) != 200) return -1;
  return metric_value(body, name, labels);
}

bool wait_metric(RunningEngine& run, const std::string& name, double want,
                 const std::vector<std::string>& labels = {}) {
  for (int i = 0; i < 500; ++i) {
    if (metric(run, name, labels) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(Reload, EditsUnderLoadMissNothingDuplicateNothingAndBadEditsAreRejected) {
  KafkaCluster kafka;
  TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  write_rules(dir.file("rules/errors.yaml"), kErrorsRule);
  Config config = test_config(kafka, dir, dir.file("rules"));
  config.rules.reload_debounce = std::chrono::milliseconds(100);
  config.kafka.batch_size = 200;  // many batches, so swaps land between busy ones
  RunningEngine run(config);

  // A steady stream of 300 records every 40 ms, started once the engine consumes.
  constexpr int kChunk = 300, kEvents = 40 * kChunk;
  auto produce_chunk = [&](int start) {
    std::vector<std::pair<std::string, std::string>> chunk;
    for (int i = start; i < start + kChunk; ++i) chunk.emplace_back("", event(i));
    kafka.produce("pay_log_topic", chunk);
  };
  produce_chunk(0);
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.events >= kChunk; })) << run.error();
  std::atomic<int> produced{kChunk};
  std::thread producer([&] {
    for (int start = kChunk; start < kEvents; start += kChunk) {
      produce_chunk(start);
      produced = start + kChunk;
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  });

  // A valid edit while records flow: a second rule for FATAL lines.
  while (produced < 10 * kChunk) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  write_rules(dir.file("rules/fatal.yaml"), R"(rules:
  - name: fatal-by-host
    severity: critical
    message: {match: ['\bFATAL\b']}
    group_by: host
    realert: 1d
)");
  ASSERT_TRUE(wait_metric(run, "klaxon_rules_generation", 2));
  ASSERT_TRUE(wait_metric(run, "klaxon_rules_loaded", 2)) << "the pipeline took the new set";
  uint64_t events_at_swap = run.engine().stats().events;
  ASSERT_LT(events_at_swap, static_cast<uint64_t>(kEvents - 10 * kChunk)) << "load continues";

  // A bad edit: Hyperscan rejects the back-reference. The running rules stay.
  write_rules(dir.file("rules/errors.yaml"),
              std::string(kErrorsRule) + "  - name: broken\n    message: {match: ['(a)\\1']}\n");
  ASSERT_TRUE(wait_metric(run, "klaxon_rules_reload_total", 1, {"result=\"error\""}));
  EXPECT_EQ(metric(run, "klaxon_rules_last_reload_failed"), 1);
  EXPECT_EQ(metric(run, "klaxon_rules_generation"), 2);
  EXPECT_EQ(metric(run, "klaxon_rules_swap_seconds_count"), 1) << "one swap; none for the bad edit";

  producer.join();
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) { return s.events >= kEvents; })) << run.error();
  run.stop();

  // The rule present throughout matched every ERROR line exactly once, across both swaps.
  int errors = 0, fatal_lines = 0;
  for (int i = 0; i < kEvents; ++i) (i % 7 == 0 ? fatal_lines : errors)++;
  std::string body;
  ASSERT_EQ(http_get(run.engine().metrics_port(), "/metrics", body), 200);
  EXPECT_EQ(metric_value(body, "klaxon_rule_matches_total", {"rule=\"errors-by-host\""}), errors);
  EXPECT_EQ(metric_value(body, "klaxon_rules_loaded"), 2);
  double fatal_matches =
      metric_value(body, "klaxon_rule_matches_total", {"rule=\"fatal-by-host\""});
  // FATAL lines count from the swap on: some, but not those consumed before the edit.
  EXPECT_GT(fatal_matches, 0);
  EXPECT_LT(fatal_matches, fatal_lines);

  // One alert per host and rule: the reloads did not reset errors-by-host's dedup state.
  std::map<std::string, std::set<std::string>> hosts_by_rule;
  std::map<std::string, int> alerts_by_rule;
  for (const auto& r : kafka.read_all("pay_alerts")) {
    Alert a;
    ASSERT_TRUE(from_json(r.value, a)) << r.value;
    hosts_by_rule[a.rule].insert(a.group_key);
    ++alerts_by_rule[a.rule];
  }
  EXPECT_EQ(alerts_by_rule["errors-by-host"], kHosts);
  EXPECT_EQ(hosts_by_rule["errors-by-host"].size(), static_cast<size_t>(kHosts));
  EXPECT_EQ(alerts_by_rule["fatal-by-host"], kHosts);
  EXPECT_EQ(alerts_by_rule.count("broken"), 0u);
}

// Issue 18, 5: matches produced under one rule set reach their state partitions through the
// repartition topic after the next set may have removed or renamed their rule. Each is
// applied under the rule that produced it: every match counted, none dropped. Before, the
// in-flight matches of a removed or renamed rule were silently lost.
TEST(Reload, RemovingAndRenamingRulesUnderLoadLosesNoMatch) {
  KafkaCluster kafka;
  TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  const char* kTwo = R"(rules:
  - name: errors-by-host
    message: {match: ['\bERROR\b']}
    group_by: host
    realert: 1d
  - name: fatal-by-host
    message: {match: ['\bFATAL\b']}
    group_by: host
    realert: 1d
)";
  write_rules(dir.file("rules/rules.yaml"), kTwo);
  Config config = test_config(kafka, dir, dir.file("rules"));
  config.rules.reload_debounce = std::chrono::milliseconds(50);
  config.kafka.batch_size = 200;
  RunningEngine run(config);
  constexpr int kChunk = 300, kEvents = 16 * kChunk;
  auto produce_chunk = [&](int start) {
    std::vector<std::pair<std::string, std::string>> chunk;
    for (int i = start; i < start + kChunk; ++i) chunk.emplace_back("", event(i));
    kafka.produce("pay_log_topic", chunk);
  };
  produce_chunk(0);
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.events >= kChunk; })) << run.error();
  // Slow brokers keep matches in flight between the match and the state stage, so every
  // swap below has some.
  for (int broker = 1; broker <= 3; ++broker)
    rd_kafka_mock_broker_set_rtt(kafka.mock().handle(), broker, 150);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int start = kChunk; start < kEvents; start += kChunk) {
      produce_chunk(start);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
    done = true;
  });
  // Three swaps while records flow: rename one rule, remove the other, add it back renamed.
  std::string renamed = kTwo;
  renamed.replace(renamed.find("fatal-by-host"), 13, "fatal-per-host");
  std::string removed = renamed.substr(0, renamed.find("  - name: errors-by-host")) +
                        renamed.substr(renamed.find("  - name: fatal-per-host"));
  std::string readded = removed + R"(  - name: errors-per-host
    message: {match: ['\bERROR\b']}
    group_by: host
    realert: 1d
)";
  int generation = 1;
  bool swapped = true;
  for (const std::string& yaml : {renamed, removed, readded}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    write_rules(dir.file("rules/rules.yaml"), yaml);
    swapped = swapped && wait_metric(run, "klaxon_rules_swap_seconds_count", generation);
    ++generation;
  }
  producer.join();  // before any ASSERT: a joinable thread would terminate the test
  ASSERT_TRUE(swapped) << "three swaps";
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) {
    return s.events >= kEvents && s.matches_applied >= s.matches;
  })) << run.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.stop();
  const PipelineStats& s = run.engine().stats();
  EXPECT_GT(s.matches, 0u);
  EXPECT_EQ(s.alerts + s.suppressed, s.matches) << "every match applied once, under its rule";
  std::string body;
  ASSERT_EQ(http_get(run.engine().metrics_port(), "/metrics", body), 200);
  EXPECT_EQ(metric_value(body, "klaxon_matches_dropped_total"), 0);
}

}  // namespace
}  // namespace klaxon::testing
