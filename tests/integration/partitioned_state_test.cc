// Partitioned state through the real engine and the mock cluster: a pod that never saw a
// partition restores its state from the changelog alone; late events count within the
// grace period and not beyond; internal topics with the wrong shape are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "alert/alert.h"
#include "config/internal_topics.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string event(int64_t t_ms, const std::string& host, const std::string& message,
                  bool stack = false) {
  std::string escaped;
  for (char c : message)
    escaped += c == '\n' ? std::string("\\n") : c == '\t' ? "\\t" : std::string(1, c);
  return R"({"@timestamp":")" + format_timestamp_ms(t_ms) + R"(","type":"pay-biz","host":")" +
         host + R"(","tags":[)" + (stack ? R"("exception_stack")" : "") + R"(],"message":")" +
         escaped + R"("})";
}

std::string stack(const std::string& exception, int line) {
  return "ERROR pay failed\n" + exception +
         ": boom\n\tat com.pay.Service.charge(Service.java:" + std::to_string(line) +
         ")\n\tat com.pay.Api.pay(Api.java:" + std::to_string(line + 7) + ")";
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

std::string write_rules(const TempDir& dir, const std::string& yaml) {
  std::filesystem::create_directories(dir.file("rules"));
  std::ofstream(dir.file("rules/rules.yaml")) << yaml;
  return dir.file("rules");
}

constexpr const char* kBugAndTimeoutRules = R"(rules:
  - name: bug
    type: any
    filter: {tags: {all: [exception_stack]}}
    group_by: fingerprint
    realert: 1h
  - name: timeouts
    type: frequency
    message: {match: ['code=CHANNEL_TIMEOUT']}
    group_by: host
    num_events: 5
    timeframe: 10m
    realert: 1h
)";

// Issue 18, 1: events days behind the wall clock (a backlog, a replay); the pod that read
// them stops, a pod with an empty disk restores the partitions and no new input arrives.
// Its time must be the restored partitions' own: before stream time was kept with the
// state, the new owner's time jumped to the wall clock about a second after the restore,
// every group expired (tombstones to the changelog, klaxon_state_groups 0) and the same
// incidents alerted again as first matches.
TEST(State, AHandOverWithNoNewInputKeepsTheRestoredEventTime) {
  KafkaCluster kafka;
  TempDir dir;
  std::string rules = write_rules(dir, kBugAndTimeoutRules);
  const int64_t t0 = now_ms() - 3 * 86'400'000LL;  // three days behind
  auto bugs = [&](int64_t at, int line_base) {
    std::vector<std::pair<std::string, std::string>> out;
    for (int bug = 0; bug < 4; ++bug)
      for (int i = 0; i < 3; ++i) {
        std::string host = "pay-app-0" + std::to_string(i);
        out.emplace_back(host, event(at + bug * 1000 + i, host,
                                     stack("java.lang.IllegalStateException" + std::to_string(bug),
                                           line_base + i),
                                     true));
      }
    return out;
  };
  auto first = bugs(t0, 40);
  kafka.produce("pay_log_topic", first);
  {
    Config config = test_config(kafka, dir, rules);
    config.state.dir = dir.file("pod-a");
    RunningEngine pod_a(config);
    // Not a timing test: a first join under a loaded ctest -j2 once took longer than 30 s.
    ASSERT_TRUE(pod_a.wait([](const PipelineStats& s) { return s.alerts_delivered >= 4; },
                           std::chrono::seconds(90)))
        << pod_a.error();
    ASSERT_TRUE(pod_a.wait([&](const PipelineStats& s) {
      return s.events >= first.size() && s.matches_applied >= first.size();
    }));
  }
  ASSERT_EQ(alerts(kafka).size(), 4u) << "one alert per bug";

  Config config = test_config(kafka, dir, rules);
  config.state.dir = dir.file("pod-b");
  auto pod_b = std::make_unique<RunningEngine>(config);
  int port = pod_b->engine().metrics_port();
  ASSERT_TRUE(wait_until([&] { return scrape_metric(port, "klaxon_state_groups") == 4; }))
      << "restored from the changelog";
  // Idle and caught up for several of the pipeline's idle time steps (1 s each), and longer
  // than the 5 s between refreshes of the groups metric.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  EXPECT_EQ(scrape_metric(port, "klaxon_state_groups"), 4) << "the restored groups expired";

  // The same bugs, a minute later in their own time: inside the realert hour.
  auto again = bugs(t0 + 60'000, 400);
  kafka.produce("pay_log_topic", again);
  ASSERT_TRUE(pod_b->wait([&](const PipelineStats& s) {
    return s.events >= again.size() && s.matches_applied >= again.size();
  })) << pod_b->error();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  pod_b.reset();
  std::vector<Alert> all = alerts(kafka);
  EXPECT_EQ(all.size(), 4u) << "the same incidents alerted again after the hand-over";
  for (const Alert& a : all) EXPECT_EQ(a.condition, "first match of this group");

  // A third pod, on pod B's disk: the time it reopens with is the stored one.
  config.state.dir = dir.file("pod-b");
  RunningEngine pod_c(config);
  int port_c = pod_c.engine().metrics_port();
  ASSERT_TRUE(wait_until([&] { return scrape_metric(port_c, "klaxon_state_groups") == 4; }));
  std::this_thread::sleep_for(std::chrono::seconds(6));
  EXPECT_EQ(scrape_metric(port_c, "klaxon_state_groups"), 4);
}

TEST(State, FreshPodRestoresFromTheChangelogAlone) {
  KafkaCluster kafka;
  TempDir dir;
  std::string rules = write_rules(dir, kBugAndTimeoutRules);
  const int64_t t0 = *parse_timestamp_ms("2026-11-24T10:00:00Z");
  std::vector<std::pair<std::string, std::string>> first;
  // Two bugs on several hosts (different line numbers: one fingerprint each), and three
  // timeouts per host: under the threshold of five.
  for (int i = 0; i < 6; ++i) {
    std::string host = "pay-app-0" + std::to_string(i % 3);
    first.emplace_back(
        host, event(t0 + i * 1000, host, stack("java.lang.NullPointerException", 40 + i), true));
    first.emplace_back(host, event(t0 + i * 1000 + 1, host,
                                   stack("java.lang.IllegalStateException", 90 + i), true));
  }
  for (int i = 0; i < 3; ++i)
    for (const char* host : {"pay-app-01", "pay-app-02"})
      first.emplace_back(host,
                         event(t0 + 10'000 + i * 1000, host, "pay-failure code=CHANNEL_TIMEOUT"));
  kafka.produce("pay_log_topic", first);
  {
    Config config = test_config(kafka, dir, rules);
    config.state.dir = dir.file("pod-a");
    RunningEngine pod_a(config);
    ASSERT_TRUE(pod_a.wait([](const PipelineStats& s) { return s.alerts_delivered >= 2; }))
        << pod_a.error();
    ASSERT_TRUE(pod_a.wait([&](const PipelineStats& s) { return s.events >= first.size(); }));
  }
  ASSERT_EQ(alerts(kafka).size(), 2u) << "one alert per bug";
  EXPECT_TRUE(std::filesystem::exists(store_dir(dir.file("pod-a"), "klaxon", 0)));

  // A pod with an empty disk: the same bugs again, and two more timeouts per host.
  std::vector<std::pair<std::string, std::string>> second;
  for (int i = 0; i < 3; ++i) {
    std::string host = "pay-app-0" + std::to_string(3 + i);
    second.emplace_back(
        host, event(t0 + 60'000 + i, host, stack("java.lang.NullPointerException", 400 + i), true));
  }
  for (int i = 0; i < 2; ++i)
    for (const char* host : {"pay-app-01", "pay-app-02"})
      second.emplace_back(host,
                          event(t0 + 70'000 + i * 1000, host, "pay-failure code=CHANNEL_TIMEOUT"));
  kafka.produce("pay_log_topic", second);
  Config config = test_config(kafka, dir, rules);
  config.state.dir = dir.file("pod-b");
  RunningEngine pod_b(config);
  ASSERT_TRUE(pod_b.wait([](const PipelineStats& s) { return s.alerts_delivered >= 2; }))
      << pod_b.error();
  ASSERT_TRUE(pod_b.wait([&](const PipelineStats& s) { return s.events >= second.size(); }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::map<std::string, int> per_rule;
  for (const Alert& a : alerts(kafka)) {
    ++per_rule[a.rule];
    if (a.rule == "timeouts") {
      EXPECT_EQ(a.count, 5u) << "three counted by pod A, two by pod B";
      EXPECT_EQ(a.window_start_ms, t0 + 10'000);
    }
  }
  EXPECT_EQ(per_rule["bug"], 2) << "the bugs pod A alerted on are known to pod B";
  EXPECT_EQ(per_rule["timeouts"], 2) << "the threshold crossed once per host, across pods";
  std::string body;
  ASSERT_EQ(http_get(pod_b.engine().metrics_port(), "/metrics", body), 200);
  EXPECT_GT(metric_value(body, "klaxon_state_restored_records_total"), 0);
}

TEST(State, LateEventsCountWithinTheGracePeriodAndNotBeyond) {
  KafkaCluster kafka;
  TempDir dir;
  // Tumbling one-minute windows; a window closes 20 s after its end. A down spike: at most
  // half of the previous window's eight.
  std::string rules = write_rules(dir, R"(rules:
  - name: traffic-drop
    type: spike
    message: {match: ['pay-success']}
    group_by: host
    spike_type: down
    spike_height: 2
    timeframe: 1m
    threshold_ref: 8
    threshold_cur: 4
    realert: 0s
)");
  const int64_t t = *parse_timestamp_ms("2026-01-01T00:00:00Z");
  std::vector<std::pair<std::string, std::string>> records;
  auto add = [&](const std::string& host, int64_t at) {
    records.emplace_back("one-partition", event(t + at, host, "pay-success orderId=P1"));
  };
  for (const char* host : {"a", "b"})
    for (int i = 0; i < 8; ++i) add(host, i * 1000);  // window 0: 8 each
  for (const char* host : {"a", "b"})
    for (int i = 0; i < 4; ++i) add(host, 61'000 + i * 1000);  // window 1: 4 each: a drop
  add("a", 125'000);  // window 1 of a is past its end, not past its grace
  add("a", 90'000);   // late, within grace: counts, window 1 of a has 5: no drop
  add("b", 150'000);  // past window 1's end and grace: it closes with 4 and fires
  add("b", 90'000);   // late, beyond grace: changes nothing
  add("a", 200'000);
  add("b", 200'000);
  kafka.produce("pay_log_topic", records);
  Config config = test_config(kafka, dir, rules);
  config.state.grace_period = std::chrono::seconds(20);
  RunningEngine run(config);
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) { return s.events >= records.size(); }))
      << run.error();
  ASSERT_TRUE(run.wait([](const PipelineStats& s) { return s.alerts_delivered >= 1; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<Alert> got = alerts(kafka);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].group_key, "b");
  EXPECT_EQ(got[0].direction, "down");
  EXPECT_EQ(got[0].count, 4u) << "the event beyond grace was not counted";
  EXPECT_EQ(got[0].reference_count, 8u);
  EXPECT_EQ(got[0].window_start_ms, t + 60'000);
}

TEST(State, InternalTopicWithOtherPartitionCountIsRefused) {
  KafkaCluster kafka;
  TempDir dir;
  Config config = test_config(kafka, dir, write_rules(dir, kBugAndTimeoutRules));
  config.kafka.group_id = "reshaped";
  kafka.create_topic(repartition_topic("reshaped"), 3);
  kafka.create_topic(changelog_topic("reshaped"), 4);
  try {
    Engine engine(config);
    FAIL() << "started with a changelog of 4 partitions for an input of 3";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("reshaped-rules-changelog has 4 partitions but the "
                                         "input has 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(State, MissingInternalTopicIsNamedWithTheRemedy) {
  KafkaCluster kafka;
  TempDir dir;
  Config config = test_config(kafka, dir, write_rules(dir, kBugAndTimeoutRules));
  config.kafka.group_id = "unprepared";
  try {
    Engine engine(config);
    FAIL() << "started without its repartition topic";
  } catch (const std::runtime_error& e) {
    // Every missing topic at once, each with its command, and the other two remedies.
    std::string what = e.what();
    EXPECT_NE(what.find("topics unprepared-matches-repartition, unprepared-rules-changelog do "
                        "not exist"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("--create --topic unprepared-matches-repartition --partitions 3\n"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("--create --topic unprepared-rules-changelog --partitions 3 --config "
                        "cleanup.policy=compact"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("state.create_topics: true"), std::string::npos) << what;
    EXPECT_NE(what.find("`klaxon dev-kafka --group unprepared`"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace klaxon::testing
