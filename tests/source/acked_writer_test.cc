// AckedWriter's bookkeeping of what Kafka acknowledged, on librdkafka's mock cluster: the
// pipeline stores a batch's offsets once acked_through() reaches the batch's last message.
#include "source/acked_writer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h

#include "source/mock_cluster.h"
#include "source/producer.h"

namespace klaxon {
namespace {

bool poll_until(KafkaProducer& producer, const std::function<bool()>& done) {
  for (int i = 0; i < 10000 && !done(); ++i) producer.poll(std::chrono::milliseconds(1));
  return done();
}

TEST(AckedWriter, AckedThroughIsThePrefixAcknowledgedEvenWhenPartitionsAnswerOutOfOrder) {
  MockCluster cluster(2);
  cluster.create_topic("t", 2, 1);
  ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster.handle(), "t", 0, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster.handle(), "t", 1, 2),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
  AckedWriter writer(producer, "t");
  // Warm up: metadata and connections, so the delay below is the only difference.
  writer.send("k", "v", {}, 0);
  writer.send("k", "v", {}, 1);
  ASSERT_TRUE(poll_until(producer, [&] { return writer.acked_through() == 2; }));

  rd_kafka_mock_broker_set_rtt(cluster.handle(), 1, 1000);       // partition 0's leader is slow
  writer.send("slow", "v", {}, 0);                               // message 3
  for (int i = 0; i < 10; ++i) writer.send("fast", "v", {}, 1);  // 4 .. 13
  EXPECT_EQ(writer.sent(), 13u);
  ASSERT_TRUE(poll_until(producer, [&] { return writer.acknowledged() == 12; }));
  // Ten later messages are in, but not message 3: nothing past 2 counts as acknowledged.
  EXPECT_EQ(writer.acked_through(), 2u);
  rd_kafka_mock_broker_set_rtt(cluster.handle(), 1, 0);
  ASSERT_TRUE(poll_until(producer, [&] { return writer.acked_through() == 13; }));
  std::string error;
  EXPECT_FALSE(writer.take_error(error));
  EXPECT_EQ(writer.pending(), 0u);
}

TEST(AckedWriter, AMessageThatCannotBeQueuedIsAnErrorAndHoldsTheAcknowledgedPrefix) {
  MockCluster cluster(1);
  cluster.create_topic("t", 1, 1);
  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
  AckedWriter writer(producer, "t");
  writer.send("k", "v", {}, 0);
  writer.send("k", "v", {}, 7);  // no such partition
  writer.send("k", "v", {}, 0);
  ASSERT_TRUE(
      poll_until(producer, [&] { return writer.acknowledged() == 2 && writer.pending() == 0; }));
  EXPECT_EQ(writer.acked_through(), 1u);  // message 2 never will be
  std::string error;
  ASSERT_TRUE(writer.take_error(error));
  EXPECT_NE(error.find("topic t"), std::string::npos) << error;
  EXPECT_FALSE(writer.take_error(error));  // taken
}

// A state commit waits here for its changelog records, and its alerts wait behind it: the
// wait sends them at once rather than after the producer's linger.
TEST(AckedWriter, WaitDoesNotSitOutTheProducersLinger) {
  MockCluster cluster(1);
  cluster.create_topic("t", 1, 1);
  KafkaProducer producer(
      ProducerOptions{cluster.bootstrap_servers(), {}, std::chrono::milliseconds(2000), true});
  AckedWriter writer(producer, "t");
  std::string error;
  writer.send("warm-up", "v", {}, 0);  // metadata and connection
  ASSERT_TRUE(writer.wait(std::chrono::seconds(10), error)) << error;
  auto started = std::chrono::steady_clock::now();
  writer.send("k", "v", {}, 0);
  ASSERT_TRUE(writer.wait(std::chrono::seconds(10), error)) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  EXPECT_EQ(writer.acked_through(), 2u);
}

}  // namespace
}  // namespace klaxon
