// The engine end to end through librdkafka's mock cluster: exact alerts, metrics,
// committed offsets, restart, and malformed input.
#include <gtest/gtest.h>

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "alert/alert.h"
#include "core/time.h"
#include "decode/decoder.h"
#include "gen/generator.h"
#include "integration/harness.h"
#include "source/producer.h"

namespace klaxon::testing {
namespace {

using std::chrono::seconds;

struct Traffic {
  std::vector<std::pair<std::string, std::string>> records;
  GeneratorStats stats;
};

Traffic generate(uint64_t seed, size_t n, int64_t start_ms, double error_ratio = 0.2) {
  GeneratorOptions o;
  o.seed = seed;
  o.error_ratio = error_ratio;
  Generator g(o);
  Traffic t;
  for (size_t i = 0; i < n; ++i) {
    GeneratedEvent e = g.next(start_ms + static_cast<int64_t>(i));
    t.records.emplace_back(e.key, e.payload);
  }
  t.stats = g.stats();
  return t;
}

uint64_t kind(const GeneratorStats& s, EventKind k) {
  auto it = s.by_kind.find(k);
  return it == s.by_kind.end() ? 0 : it->second;
}

std::vector<Alert> parse_alerts(const std::vector<Record>& records) {
  std::vector<Alert> out;
  for (const auto& r : records) {
    Alert a;
    EXPECT_TRUE(from_json(r.value, a)) << r.value;
    EXPECT_EQ(r.key, alert_key(a));
    EXPECT_EQ(r.headers.count("klaxon.alert_id") ? r.headers.at("klaxon.alert_id") : "", a.id);
    out.push_back(a);
  }
  return out;
}

void expect_all_committed(KafkaCluster& kafka, const std::string& group) {
  auto end = kafka.end_offsets("pay_log_topic");
  auto committed = kafka.committed(group, "pay_log_topic");
  for (auto [p, hi] : end) {
    if (hi == 0) continue;
    EXPECT_EQ(committed[p], hi) << "partition " << p;
  }
}

constexpr int64_t kT0 = 1795515330000;  // 2026-11-24T10:15:30Z

TEST(Pipeline, PayRulesAlertOncePerGroupAndCommitEverything) {
  KafkaCluster kafka;
  TempDir dir;
  Traffic t = generate(7, 3000, kT0);
  kafka.produce("pay_log_topic", t.records);
  Config config = test_config(kafka, dir, source_path("rules/pay.yaml"));
  RunningEngine run(config);
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.events >= 3000; })) << run.error();

  uint64_t errors = kind(t.stats, EventKind::error);
  uint64_t stacks = kind(t.stats, EventKind::exception_stack);
  ASSERT_GT(errors, 0u);
  ASSERT_GT(stacks, 0u);
  size_t want_alerts = 1 + t.stats.stack_by_bug.size();
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) { return s.alerts_delivered >= want_alerts; }));
  // Matches reach their state partitions through the repartition topic, a moment later.
  ASSERT_TRUE(
      run.wait([&](const PipelineStats& s) { return s.alerts + s.suppressed >= errors + stacks; }));

  const PipelineStats& s = run.engine().stats();
  EXPECT_EQ(s.matches, errors + stacks);
  EXPECT_EQ(s.alerts, want_alerts);
  EXPECT_EQ(s.suppressed, errors + stacks - want_alerts);
  EXPECT_EQ(s.invalid, 0u);

  std::string body;
  ASSERT_EQ(http_get(run.engine().metrics_port(), "/metrics", body), 200);
  EXPECT_EQ(metric_value(body, "klaxon_events_consumed_total"), 3000);
  EXPECT_EQ(metric_value(body, "klaxon_rule_matches_total", {"rule=\"pay-exception-stack\""}),
            stacks);
  EXPECT_EQ(metric_value(body, "klaxon_rule_matches_total", {"rule=\"pay-error-log\""}), errors);
  EXPECT_EQ(metric_value(body, "klaxon_alerts_emitted_total"), want_alerts);
  EXPECT_EQ(metric_value(body, "klaxon_alerts_suppressed_total"), errors + stacks - want_alerts);
  EXPECT_EQ(metric_value(body, "klaxon_rules_loaded"), 2);
  EXPECT_EQ(metric_value(body, "klaxon_processing_latency_seconds_count"), 3000);
  ASSERT_EQ(http_get(run.engine().metrics_port(), "/healthz", body), 200);
  EXPECT_EQ(body, "ok\n");

  run.stop();
  ASSERT_EQ(run.error(), "");
  std::vector<Alert> alerts = parse_alerts(kafka.read_all("pay_alerts"));
  ASSERT_EQ(alerts.size(), want_alerts);
  std::set<std::string> ids, stack_groups;
  uint64_t counted = 0;
  for (const Alert& a : alerts) {
    ids.insert(a.id);
    EXPECT_EQ(a.suppressed_count, 0u);  // first alert of each group
    EXPECT_FALSE(a.request_ids.empty());
    EXPECT_NE(a.kibana_url.find(a.request_ids.front()), std::string::npos);
    if (a.rule == "pay-exception-stack") {
      stack_groups.insert(a.group_key);
      EXPECT_FALSE(a.exception_class.empty());
      EXPECT_GT(a.stack_trace_total_lines, 2u);
      EXPECT_LE(std::count(a.stack_trace.begin(), a.stack_trace.end(), '\n'), 49);
      EXPECT_EQ(a.tags, std::vector<std::string>{"exception_stack"});
    } else {
      EXPECT_EQ(a.rule, "pay-error-log");
      EXPECT_EQ(a.stack_trace_total_lines, 0u);
    }
    counted += a.count;
  }
  EXPECT_EQ(ids.size(), alerts.size());
  EXPECT_EQ(stack_groups.size(), t.stats.stack_by_bug.size());
  expect_all_committed(kafka, "klaxon");

  // Every document satisfies schemas/alert.schema.json (checked by python3-jsonschema).
  std::ofstream docs(dir.file("alerts.ndjson"));
  for (const auto& r : kafka.read_all("pay_alerts")) docs << r.value << "\n";
  docs.close();
  std::string cmd = "python3 " + source_path("tests/integration/validate_alerts.py") + " " +
                    source_path("schemas/alert.schema.json") + " " + dir.file("alerts.ndjson");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Pipeline, RestartKeepsDedupStateAndAlertsOnlyNewGroups) {
  KafkaCluster kafka;
  TempDir dir;
  Config config = test_config(kafka, dir, source_path("rules/pay.yaml"));
  Traffic first = generate(11, 1500, kT0);
  kafka.produce("pay_log_topic", first.records);
  size_t first_alerts = 1 + first.stats.stack_by_bug.size();
  {
    RunningEngine run(config);
    uint64_t first_matches =
        kind(first.stats, EventKind::error) + kind(first.stats, EventKind::exception_stack);
    ASSERT_TRUE(run.wait([&](const PipelineStats& s) {
      return s.events >= 1500 && s.alerts_delivered >= first_alerts &&
             s.alerts + s.suppressed >= first_matches;
    })) << run.error();
  }
  expect_all_committed(kafka, "klaxon");

  // Same bugs a minute later: inside the 5-minute window, so nothing new fires.
  Traffic second = generate(12, 1500, kT0 + 60'000);
  kafka.produce("pay_log_topic", second.records);
  RunningEngine run(config);
  std::set<std::string> new_bugs;
  for (const auto& [bug, n] : second.stats.stack_by_bug)
    if (!first.stats.stack_by_bug.count(bug)) new_bugs.insert(bug);
  uint64_t second_matches =
      kind(second.stats, EventKind::error) + kind(second.stats, EventKind::exception_stack);
  // Every match of the second run reached its state partition (through the repartition
  // topic, a moment after its event was consumed).
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) {
    return s.events >= 1500 && s.alerts + s.suppressed >= second_matches;
  })) << run.error();
  const PipelineStats& s = run.engine().stats();
  EXPECT_EQ(s.replayed, 0u);  // offsets were committed on the graceful stop
  EXPECT_EQ(s.alerts, new_bugs.size());
  run.stop();
  auto alerts = parse_alerts(kafka.read_all("pay_alerts"));
  EXPECT_EQ(alerts.size(), first_alerts + new_bugs.size());
  std::map<std::string, int> per_group;
  for (const auto& a : alerts) ++per_group[a.rule + "/" + a.group_key];
  for (const auto& [g, n] : per_group) EXPECT_EQ(n, 1) << g;
}

TEST(Pipeline, RealertAfterWindowCarriesSuppressedCount) {
  KafkaCluster kafka;
  TempDir dir;
  std::string rules = dir.file("rules.yaml");
  std::ofstream(rules) << "rules:\n  - name: errors\n    message:\n      match: ['ERROR']\n"
                          "    realert: 1m\n";
  Config config = test_config(kafka, dir, rules);
  std::vector<std::pair<std::string, std::string>> records;
  // t=0 alerts; t=10s..50s suppressed (5); t=60s alerts with suppressed 5; t=70s suppressed.
  for (int64_t t : {0, 10, 20, 30, 40, 50, 60, 70}) {
    std::string ts = format_timestamp_ms(kT0 + t * 1000);
    records.emplace_back("k", R"({"message":"ERROR boom reqId=r)" + std::to_string(t) +
                                  R"(","@timestamp":")" + ts + R"(","type":"x"})");
  }
  // One partition keeps event-time order for this test.
  KafkaProducer producer(
      ProducerOptions{kafka.bootstrap(), {}, std::chrono::milliseconds(1), true});
  std::string err;
  for (auto& [k, v] : records)
    ASSERT_TRUE(producer.produce("pay_log_topic", k, v, {}, nullptr, &err, 0));
  ASSERT_TRUE(producer.flush(seconds(10)));
  RunningEngine run(config);
  ASSERT_TRUE(run.wait([](const PipelineStats& s) {
    return s.events >= 8 && s.alerts_delivered >= 2 && s.suppressed >= 6;
  }));
  run.stop();
  auto alerts = parse_alerts(kafka.read_all("pay_alerts"));
  ASSERT_EQ(alerts.size(), 2u);
  std::sort(alerts.begin(), alerts.end(),
            [](const Alert& a, const Alert& b) { return a.event_time_ms < b.event_time_ms; });
  EXPECT_EQ(alerts[0].suppressed_count, 0u);
  EXPECT_EQ(alerts[0].count, 1u);
  EXPECT_EQ(alerts[1].suppressed_count, 5u);
  EXPECT_EQ(alerts[1].count, 7u);
  EXPECT_EQ(alerts[1].event_time_ms, kT0 + 60'000);
  EXPECT_EQ(run.engine().stats().suppressed, 6u);
}

std::vector<std::string> jsontestsuite_payloads(char prefix) {
  std::vector<std::string> out;
  std::string dir = std::string(KLAXON_TEST_DATA) + "/jsontestsuite/test_parsing";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (e->d_name[0] == prefix && e->d_name[1] == '_') names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::ifstream in(dir + "/" + n, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!ss.str().empty()) out.push_back(ss.str());  // Kafka cannot tell empty from null
  }
  return out;
}

TEST(Pipeline, MalformedInputIsCountedDeadLetteredAndCommitted) {
  KafkaCluster kafka;
  TempDir dir;
  Config config = test_config(kafka, dir, source_path("rules/pay.yaml"));
  config.decode.max_event_bytes = 262144;  // above every JSONTestSuite file
  std::vector<std::string> payloads = jsontestsuite_payloads('n');
  ASSERT_GT(payloads.size(), 100u);
  for (auto& p : jsontestsuite_payloads('i')) payloads.push_back(p);
  payloads.push_back(std::string("{\"message\":\"bad \xff utf8\"}"));
  payloads.push_back("{\"message\":\"" + std::string(400000, 'x') + "\"}");
  payloads.push_back("{\"message\": 42}");
  payloads.push_back("   \n ");
  Traffic good = generate(3, 500, kT0);

  // What the decoder says of each payload is what the engine must count and dead-letter.
  Decoder decoder(DecodeOptions{262144, {}});
  std::map<std::string, uint64_t> want;
  uint64_t want_invalid = 0;
  for (const auto& p : payloads) {
    Event e;
    DecodeError err = decoder.decode(p, e);
    if (err != DecodeError::none) {
      ++want[std::string(to_string(err))];
      ++want_invalid;
    }
  }
  ASSERT_GE(want["malformed_json"], 40u);  // every n_ case that starts with {
  ASSERT_GE(want["invalid_utf8"], 1u);
  ASSERT_EQ(want["oversized"], 1u);
  ASSERT_GE(want["bad_field"], 1u);
  ASSERT_GE(want["empty"], 1u);

  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& p : payloads) records.emplace_back("bad", p);
  for (const auto& r : good.records) records.push_back(r);
  kafka.produce("pay_log_topic", records);

  RunningEngine run(config);
  size_t total = records.size();
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) { return s.events >= total; })) << run.error();
  EXPECT_EQ(run.engine().stats().invalid, want_invalid);
  // Dead letters are counted once Kafka acknowledged them, while the next batches are read.
  std::string body;
  for (int attempt = 0; attempt < 200; ++attempt) {
    ASSERT_EQ(http_get(run.engine().metrics_port(), "/metrics", body), 200);
    if (metric_value(body, "klaxon_dead_letters_total") >= want_invalid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const auto& [reason, n] : want)
    EXPECT_EQ(metric_value(body, "klaxon_events_invalid_total", {"reason=\"" + reason + "\""}), n)
        << reason;
  EXPECT_EQ(metric_value(body, "klaxon_dead_letters_total"), want_invalid);
  run.stop();
  EXPECT_EQ(run.error(), "");

  auto dead = kafka.read_all("pay_log_dead_letter");
  ASSERT_EQ(dead.size(), want_invalid);
  std::map<std::string, uint64_t> got;
  for (auto& r : dead) {
    ++got[r.headers["klaxon.reason"]];
    EXPECT_FALSE(r.headers["klaxon.detail"].empty());
    EXPECT_EQ(r.headers["klaxon.source"].rfind("pay_log_topic/", 0), 0u);
    EXPECT_EQ(r.key, r.headers["klaxon.source"] + "@klaxon")
        << "keyed by its source: copies collapse";
    EXPECT_EQ(r.headers["klaxon.original_key"], "bad");
  }
  EXPECT_EQ(got, want);
  // The good traffic after the bad input was processed as usual.
  EXPECT_EQ(run.engine().stats().matches,
            kind(good.stats, EventKind::error) + kind(good.stats, EventKind::exception_stack));
  expect_all_committed(kafka, "klaxon");
}

}  // namespace
}  // namespace klaxon::testing
