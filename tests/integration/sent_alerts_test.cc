// The outbox read-back (app/sent_alerts) against librdkafka's mock cluster, which cannot
// look offsets up by time: alerts already on the topic are found by reading it backwards
// by offset, and the read stops at the time and record bounds.
#include "app/sent_alerts.h"

#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/time.h"
#include "integration/harness.h"
#include "source/producer.h"

namespace klaxon::testing {
namespace {

constexpr int kAlerts = 3000;

class SentAlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka_.create_topic("alerts", 3);
    KafkaProducer producer(ProducerOptions{kafka_.bootstrap(), {}, std::chrono::milliseconds(1)});
    std::string error;
    for (int i = 0; i < kAlerts; ++i) {
      std::string id = "alert-" + std::to_string(i);
      ASSERT_TRUE(producer.produce("alerts", "group-" + std::to_string(i % 97), "{}",
                                   {{"klaxon.alert_id", id}}, nullptr, &error))
          << error;
    }
    ASSERT_TRUE(producer.flush(std::chrono::seconds(30)));
    per_partition_ = kafka_.end_offsets("alerts");
  }

  SentAlertsQuery query(std::set<std::string> ids, int64_t oldest_queued_ms) {
    SentAlertsQuery q;
    q.bootstrap_servers = kafka_.bootstrap();
    q.topic = "alerts";
    q.ids = std::move(ids);
    q.oldest_queued_ms = oldest_queued_ms;
    return q;
  }

  KafkaCluster kafka_;
  std::map<int32_t, int64_t> per_partition_;
};

TEST_F(SentAlertsTest, FindsEveryProducedAlertAndOnlyThose) {
  // The oldest and the newest produced, and two never produced.
  SentAlerts got = find_sent_alerts(query(
      {"alert-0", "alert-1", "alert-1500", "alert-2999", "lost-1", "lost-2"}, now_ms() - 60'000));
  EXPECT_EQ(got.found, (std::set<std::string>{"alert-0", "alert-1", "alert-1500", "alert-2999"}));
  EXPECT_TRUE(got.complete) << got.incomplete;
  EXPECT_EQ(got.records_read, static_cast<uint64_t>(kAlerts)) << "every partition to its start";
}

TEST_F(SentAlertsTest, StopsOnceEveryIdWasFound) {
  SentAlerts got = find_sent_alerts(query({"alert-2999"}, now_ms() - 60'000));
  EXPECT_EQ(got.found, (std::set<std::string>{"alert-2999"}));
  EXPECT_TRUE(got.complete);
  EXPECT_LT(got.records_read, static_cast<uint64_t>(kAlerts));
}

TEST_F(SentAlertsTest, StopsAtRecordsOlderThanTheOldestAlertLookedFor) {
  // Queued ten minutes from now: every record (produced now) is older than that less the
  // five minutes of clock skew, so one chunk of each partition settles it.
  SentAlerts got = find_sent_alerts(query({"lost-1"}, now_ms() + 600'000));
  EXPECT_TRUE(got.found.empty());
  EXPECT_TRUE(got.complete);
  EXPECT_EQ(got.records_read, 3u * 256u);
}

TEST_F(SentAlertsTest, SaysSoWhenTheBoundStopsItBeforeTheOldestTime) {
  SentAlertsQuery q = query({"lost-1"}, now_ms() - 60'000);
  q.max_records_per_partition = 500;
  SentAlerts got = find_sent_alerts(q);
  EXPECT_TRUE(got.found.empty());
  EXPECT_FALSE(got.complete);
  EXPECT_EQ(got.records_read, 1500u);
  for (const auto& [p, end] : per_partition_)
    EXPECT_NE(got.incomplete.find("alerts/" + std::to_string(p)), std::string::npos)
        << got.incomplete;
}

TEST_F(SentAlertsTest, AnEmptyTopicHasNone) {
  kafka_.create_topic("no_alerts", 3);
  SentAlertsQuery q = query({"alert-1"}, now_ms());
  q.topic = "no_alerts";
  SentAlerts got = find_sent_alerts(q);
  EXPECT_TRUE(got.found.empty());
  EXPECT_TRUE(got.complete);
}

TEST_F(SentAlertsTest, ThrowsWhenTheClusterIsDown) {
  for (int32_t broker = 1; broker <= 3; ++broker)
    rd_kafka_mock_broker_set_down(kafka_.mock().handle(), broker);
  SentAlertsQuery q = query({"alert-1"}, now_ms());
  q.timeout = std::chrono::milliseconds(2000);
  EXPECT_THROW(find_sent_alerts(q), std::runtime_error);
}

}  // namespace
}  // namespace klaxon::testing
