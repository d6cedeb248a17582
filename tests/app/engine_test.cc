// The engine's producer options against a request that is never answered (a broker that
// hung, a connection that died without a reset), on librdkafka's mock cluster: one response
// held back for a minute stands in for it (on its connection nothing after it is answered).
// Found by the chaos campaign: with librdkafka's 60 s socket.timeout.ms a state commit
// waited out kafka.flush_timeout (30 s) and the pod stopped.
#include "app/engine.h"
#include "app/kafka_options.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h

#include "source/acked_writer.h"
#include "source/mock_cluster.h"
#include "source/producer.h"

namespace klaxon {
namespace {

using std::chrono::milliseconds;

class HungRequest : public ::testing::Test {
 protected:
  HungRequest() {
    cluster_.create_topic("t", 1, 1);
    config_.kafka.bootstrap_servers = cluster_.bootstrap_servers();
    config_.kafka.flush_timeout = milliseconds(4000);
  }

  // Sends one message whose request hangs, and waits as a state commit does.
  bool hang_one_and_wait(ProducerOptions options, milliseconds* waited, std::string& error) {
    options.close_timeout = milliseconds(100);  // the hung one is not waited for at the end
    KafkaProducer producer(options);
    AckedWriter writer(producer, "t");
    writer.send("warm-up", "v", {}, 0);  // metadata and connection
    if (!writer.wait(milliseconds(5000), error)) return false;
    // The next Produce request is answered a minute late; later requests are not.
    rd_kafka_mock_broker_push_request_error_rtts(cluster_.handle(), 1, 0 /* Produce */, 1,
                                                 RD_KAFKA_RESP_ERR_NO_ERROR, 60'000);
    writer.send("k", "v", {}, 0);
    auto started = std::chrono::steady_clock::now();
    bool acked = writer.wait(config_.kafka.flush_timeout, error);
    *waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    return acked;
  }

  MockCluster cluster_{1};
  Config config_;
};

TEST_F(HungRequest, IsRetriedOnANewConnectionBeforeABatchStopsWaiting) {
  ProducerOptions options = producer_options(config_);
  EXPECT_EQ(options.properties.at("socket.timeout.ms"), "2000");  // a third of 4 s, at least 2
  milliseconds waited{0};
  std::string error;
  EXPECT_TRUE(hang_one_and_wait(options, &waited, error)) << error;
  EXPECT_LT(waited, config_.kafka.flush_timeout);
}

TEST_F(HungRequest, WithLibrdkafkasOwnTimeoutTheBatchGivesUp) {
  // What the pod did before: the request outlived the wait.
  ProducerOptions options = producer_options(config_);
  options.properties["socket.timeout.ms"] = "60000";  // librdkafka's default
  milliseconds waited{0};
  std::string error;
  EXPECT_FALSE(hang_one_and_wait(options, &waited, error));
  EXPECT_NE(error.find("not acknowledged within 4000 ms"), std::string::npos) << error;
}

TEST(ProducerOptions, SocketTimeoutIsAThirdOfTheFlushTimeoutWithinTwoToThirtySeconds) {
  Config c;
  EXPECT_EQ(producer_options(c).properties.at("socket.timeout.ms"), "10000");  // 30 s
  c.kafka.flush_timeout = milliseconds(600);
  EXPECT_EQ(producer_options(c).properties.at("socket.timeout.ms"), "2000");
  c.kafka.flush_timeout = milliseconds(600'000);
  EXPECT_EQ(producer_options(c).properties.at("socket.timeout.ms"), "30000");
  c.kafka.properties["socket.timeout.ms"] = "7000";  // the operator's own wins
  EXPECT_EQ(producer_options(c).properties.at("socket.timeout.ms"), "7000");
  c = Config{};
  EXPECT_EQ(consumer_options(c, "g").properties.at("socket.timeout.ms"), "10000");
}

}  // namespace
}  // namespace klaxon
