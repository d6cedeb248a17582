// A pod that stalls past its removal from the group must not publish what it held: its
// partitions went to another pod, which restored them and sent their alerts itself.
// Found by the chaos campaign (6 alert ids on the topic twice): a pod waited 15 s for a
// changelog acknowledgement on a connection that no longer answered, was removed from the
// group meanwhile, then published its batch's alerts after the next owner had sent them.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "alert/alert.h"
#include "config/internal_topics.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

constexpr int64_t kBlockSpacingMs = 2 * 3'600'000LL;

TEST(Fencing, APodStalledPastItsRemovalLeavesItsAlertsToTheNextOwner) {
  KafkaCluster kafka;
  TempDir dir;
  std::string config[2], log[2];
  int port[2];
  for (int i = 0; i < 2; ++i) {
    config[i] = dir.file("pod" + std::to_string(i) + ".yaml");
    log[i] = dir.file("pod" + std::to_string(i) + ".log");
    port[i] = free_port();
    // max.poll.interval.ms: a pod that does not come back to its consumer for 6 s leaves the
    // group (Kafka's default is 5 minutes). socket.timeout.ms above the stall below, so the
    // stalled request is not retried on a new connection first.
    std::ofstream(config[i]) << "kafka:\n  bootstrap_servers: " << kafka.bootstrap()
                             << "\n  commit_interval: 200ms\n  poll_timeout: 50ms\n"
                             << "  session_timeout: 4s\n  flush_timeout: 60s\n"
                             << "  properties:\n    heartbeat.interval.ms: 500\n"
                             << "    max.poll.interval.ms: 6000\n"
                             << "    socket.timeout.ms: 50000\n"
                             << "rules:\n  path: " << source_path("rules/pay.yaml")
                             << "\n  reload: false\n"
                             << "state:\n  dir: " << dir.file("state" + std::to_string(i))
                             << "\nmetrics:\n  listen: 127.0.0.1:" << port[i] << "\n"
                             << "alert:\n  log_alerts: false\n";
  }
  auto joined = [&](int i, size_t from) {
    return slurp(log[i]).find("assigned:", from) != std::string::npos;
  };

  const int64_t start_ms = now_ms() - 4 * kBlockSpacingMs;
  size_t expected = 0;
  auto produce_block = [&](int block) {
    std::set<std::string> bugs;
    kafka.produce("pay_log_topic", pay_traffic(1000 + static_cast<uint64_t>(block),
                                               start_ms + block * kBlockSpacingMs, 400, &bugs));
    expected += 1 + bugs.size();  // each bug's stack trace, and the block's failure burst
  };
  auto alerts_at_least = [&](size_t n, int seconds) {
    return wait_until([&] { return kafka.read_all("pay_alerts").size() >= n; }, seconds);
  };

  auto a = std::make_unique<Child>(config[0], log[0]);
  ASSERT_TRUE(wait_until([&] { return joined(0, 0); }, 60)) << slurp(log[0]);
  produce_block(0);
  ASSERT_TRUE(alerts_at_least(expected, 60)) << slurp(log[0]);

  // Every partition on broker 1, the changelog's on broker 2, whose next Produce request
  // is answered 20 s late: the pod's next state commit stalls there.
  rd_kafka_mock_cluster_t* mock = kafka.mock().handle();
  for (const std::string& topic : {std::string("pay_log_topic"), std::string("pay_alerts"),
                                   std::string("pay_log_dead_letter"), repartition_topic("klaxon")})
    for (int32_t p = 0; p < 3; ++p) rd_kafka_mock_partition_set_leader(mock, topic.c_str(), p, 1);
  for (int32_t p = 0; p < 3; ++p)
    rd_kafka_mock_partition_set_leader(mock, changelog_topic("klaxon").c_str(), p, 2);
  produce_block(1);  // the clients find the new leaders
  ASSERT_TRUE(alerts_at_least(expected, 60)) << slurp(log[0]);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // outbox removals committed
  rd_kafka_mock_broker_push_request_error_rtts(mock, 2, 0 /* Produce */, 1,
                                               RD_KAFKA_RESP_ERR_NO_ERROR, 20'000);
  produce_block(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  // The second pod joins; the first one, stalled, leaves the group after 6 s and the
  // second takes every partition, with the first one's changelog records of block 2.
  size_t b_from = slurp(log[1]).size();
  auto b = std::make_unique<Child>(config[1], log[1]);
  ASSERT_TRUE(wait_until([&] { return joined(1, b_from); }, 60)) << slurp(log[1]);
  ASSERT_TRUE(alerts_at_least(expected, 60)) << slurp(log[0]) << slurp(log[1]);
  // The first pod comes back from its stall with block 2's alerts in hand.
  EXPECT_TRUE(wait_until(
      [&] { return slurp(log[0]).find("no longer counts this pod") != std::string::npos; }, 40))
      << slurp(log[0]);
  EXPECT_GE(scrape_metric(port[0], "klaxon_alerts_fenced_total"), 1) << slurp(log[0]);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // anything it would still send
  EXPECT_EQ(a->kill(SIGTERM), 0) << slurp(log[0]);
  EXPECT_EQ(b->kill(SIGTERM), 0) << slurp(log[1]);

  std::map<std::string, int> per_id;
  std::map<int, std::map<std::string, int>> per_block;
  auto alerts = kafka.read_all("pay_alerts");
  for (const auto& r : alerts) {
    Alert alert;
    ASSERT_TRUE(from_json(r.value, alert)) << r.value.substr(0, 200);
    ++per_id[alert.id];
    ++per_block[static_cast<int>((alert.window_start_ms - start_ms) / kBlockSpacingMs)]
               [alert.rule + "/" + alert.group_key];
  }
  for (const auto& [id, n] : per_id) EXPECT_EQ(n, 1) << "alert " << id;
  for (const auto& [block, groups] : per_block)
    for (const auto& [group, n] : groups) EXPECT_EQ(n, 1) << "block " << block << ": " << group;
  EXPECT_EQ(alerts.size(), expected) << slurp(log[0]) << slurp(log[1]);
}

}  // namespace
}  // namespace klaxon::testing
