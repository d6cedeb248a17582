// Produce request errors on the broker that leads klaxon's internal topics (the repartition
// topic and the changelog), as the outside campaign injected them: every match record the
// pod counts is in the repartition topic once, every incident alerts once, every input
// offset is committed. The campaign once saw 794 counted against 793 in the topic.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "alert/alert.h"
#include "config/internal_topics.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

constexpr int64_t kBlockSpacingMs = 2 * 3'600'000LL;

int64_t sum(const std::map<int32_t, int64_t>& offsets) {
  int64_t total = 0;
  for (const auto& [partition, offset] : offsets) total += offset;
  return total;
}

// The pod's figures of records, matches and alerts, for a failure message.
std::string metrics_of(int port) {
  std::string body, out;
  http_get(port, "/metrics", body);
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("klaxon_events", 0) == 0 || line.rfind("klaxon_matches", 0) == 0 ||
        line.rfind("klaxon_alerts", 0) == 0 || line.rfind("klaxon_consumer_lag", 0) == 0)
      out += line + "\n";
  return out;
}

TEST(ProduceErrors, SixtyOnTheInternalTopicsBrokerLoseAndDoubleNothing) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port();
  std::string config = dir.file("klaxon.yaml"), log = dir.file("klaxon.log");
  // One Produce request in flight per connection: librdkafka takes a later request's success
  // as proof that an earlier one it sent with a "possibly persisted" error (a timeout, not
  // enough replicas after append) was written, and acknowledges its messages. A broker
  // refuses the later one (out-of-order sequence) until the earlier is in; the mock checks
  // sequences of transactional producers only (rd_kafka_mock_validate_records), so it
  // writes the later one and the earlier messages are acknowledged but never written:
  // with five in flight, 2 of 445 match records under ASan's timing (issue 18 item 6's
  // 794 against 793). Not klaxon's to fix; the pods keep librdkafka's default of five.
  std::string yaml = child_config_yaml(kafka, dir, port);
  yaml.replace(yaml.find("  properties:\n"), 14,
               "  properties:\n    max.in.flight.requests.per.connection: 1\n");
  std::ofstream(config) << yaml << "alert:\n  log_alerts: false\n";
  auto pod = std::make_unique<Child>(config, log);
  ASSERT_TRUE(wait_until([&] { return slurp(log).find("assigned:") != std::string::npos; }, 60))
      << slurp(log);

  const int64_t start_ms = now_ms() - 8 * kBlockSpacingMs;
  size_t expected = 0;
  auto produce_block = [&](int block) {
    std::set<std::string> bugs;
    kafka.produce("pay_log_topic", pay_traffic(2000 + static_cast<uint64_t>(block),
                                               start_ms + block * kBlockSpacingMs, 400, &bugs));
    expected += 1 + bugs.size();  // each bug's stack trace, and the block's failure burst
  };
  auto all_committed = [&] {
    auto end = kafka.end_offsets("pay_log_topic");
    auto committed = kafka.committed("klaxon", "pay_log_topic");
    for (auto [p, hi] : end)
      if (committed[p] != hi) return false;
    return true;
  };
  produce_block(0);  // the internal topics exist from here on
  ASSERT_TRUE(wait_until([&] { return all_committed(); }, 60)) << slurp(log);

  // Broker 3 leads the internal topics and nothing else.
  rd_kafka_mock_cluster_t* mock = kafka.mock().handle();
  for (const char* topic : {"pay_log_topic", "pay_alerts", "pay_log_dead_letter"})
    for (int32_t p = 0; p < 3; ++p) rd_kafka_mock_partition_set_leader(mock, topic, p, 1 + p % 2);
  for (const std::string& topic : {repartition_topic("klaxon"), changelog_topic("klaxon")})
    for (int32_t p = 0; p < 3; ++p) rd_kafka_mock_partition_set_leader(mock, topic.c_str(), p, 3);
  // 60 retriable errors, the kinds a broker answers a Produce request with under trouble.
  static const rd_kafka_resp_err_t kKinds[] = {
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR};
  for (int i = 0; i < 60; ++i)
    rd_kafka_mock_broker_push_request_error_rtts(mock, 3, 0 /* Produce */, 1, kKinds[i % 5], 0);
  for (int block = 1; block < 6; ++block) produce_block(block);

  ASSERT_TRUE(wait_until(
      [&] { return all_committed() && kafka.read_all("pay_alerts").size() >= expected; }, 120))
      << kafka.read_all("pay_alerts").size() << " alerts of " << expected << "; committed "
      << sum(kafka.committed("klaxon", "pay_log_topic")) << " of "
      << sum(kafka.end_offsets("pay_log_topic")) << "; repartition topic "
      << sum(kafka.end_offsets(repartition_topic("klaxon"))) << ", counted "
      << scrape_metric(port, "klaxon_repartition_records_total") << ", committed "
      << sum(kafka.committed("klaxon", repartition_topic("klaxon"))) << "\n"
      << metrics_of(port) << slurp(log);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // anything more it would send
  // The pod met all 60: a producer that never retries now writes to broker 3 at once.
  kafka.create_topic("probe", 1);
  rd_kafka_mock_partition_set_leader(mock, "probe", 0, 3);
  kafka.produce("probe", {{"k", "v"}}, {{"retries", "0"}, {"enable.idempotence", "false"}});
  double counted = scrape_metric(port, "klaxon_repartition_records_total");
  EXPECT_EQ(pod->kill(SIGTERM), 0) << slurp(log);

  EXPECT_EQ(static_cast<int64_t>(counted), sum(kafka.end_offsets(repartition_topic("klaxon"))))
      << "match records counted against those in the topic\n"
      << slurp(log);
  std::map<std::string, int> per_id, per_group;
  auto alerts = kafka.read_all("pay_alerts");
  for (const auto& r : alerts) {
    Alert alert;
    ASSERT_TRUE(from_json(r.value, alert)) << r.value.substr(0, 200);
    ++per_id[alert.id];
    ++per_group[std::to_string((alert.window_start_ms - start_ms) / kBlockSpacingMs) + "/" +
                alert.rule + "/" + alert.group_key];
  }
  for (const auto& [id, n] : per_id) EXPECT_EQ(n, 1) << "alert " << id;
  for (const auto& [group, n] : per_group) EXPECT_EQ(n, 1) << group;
  EXPECT_EQ(per_group.size(), expected) << slurp(log);
}

}  // namespace
}  // namespace klaxon::testing
