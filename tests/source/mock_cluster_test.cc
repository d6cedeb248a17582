// The mock cluster answers like a Kafka broker: a producer that waits for each round of
// acknowledgements (as the changelog and the repartition topic are awaited) gets them in a
// round trip, not after the ~40 ms a delayed ACK holds a Nagle-buffered response.
#include "source/mock_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "source/acked_writer.h"
#include "source/producer.h"

namespace klaxon {
namespace {

TEST(MockCluster, AcknowledgesAwaitedProducesWithoutNagleDelay) {
  MockCluster cluster(3);
  cluster.create_topic("t", 6, 1);
  KafkaProducer producer(
      ProducerOptions{cluster.bootstrap_servers(), {}, std::chrono::milliseconds(1), true});
  AckedWriter writer(producer, "t");
  std::vector<double> rounds_ms;
  for (int round = 0; round < 30; ++round) {
    auto started = std::chrono::steady_clock::now();
    for (int32_t p = 0; p < 6; ++p) writer.send("k", std::string(200, 'v'), {}, p);
    std::string error;
    ASSERT_TRUE(writer.wait(std::chrono::seconds(10), error)) << error;
    rounds_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  }
  std::sort(rounds_ms.begin(), rounds_ms.end());
  // Without TCP_NODELAY on the mock's connections most rounds took 40 ms or more.
  EXPECT_LT(rounds_ms[rounds_ms.size() / 2], 20.0) << "median round " << rounds_ms[15] << " ms";
}

}  // namespace
}  // namespace klaxon
