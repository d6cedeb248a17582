// FetchNudger through a real consumer on librdkafka's mock cluster: once the prefetch queue
// has filled and the engine drains it, fetching resumes at once instead of after
// librdkafka's up-to-1-second look-again timer.
#include "source/fetch_nudger.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "source/consumer.h"
#include "source/mock_cluster.h"
#include "source/producer.h"

namespace klaxon {
namespace {

using Clock = std::chrono::steady_clock;

TEST(PrefetchLimits, ReadFromTheConsumerConfiguration) {
  RdKafkaConfPtr conf = make_kafka_conf(
      {{"queued.max.messages.kbytes", "2048"}, {"queued.min.messages", "500"}}, {}, "test");
  PrefetchLimits limits = prefetch_limits(conf.get());
  EXPECT_EQ(limits.max_bytes, 2048u * 1024);
  EXPECT_EQ(limits.max_messages, 500u);
  RdKafkaConfPtr defaults = make_kafka_conf({}, {}, "test");
  EXPECT_EQ(prefetch_limits(defaults.get()).max_bytes, 65536u * 1024);  // librdkafka's
  EXPECT_EQ(prefetch_limits(defaults.get()).max_messages, 100000u);
}

TEST(FetchNudger, ADrainedFullQueueIsRefilledWithoutWaitingForLibrdkafkasTimer) {
  MockCluster cluster(3);
  cluster.create_topic("t", 3, 1);
  constexpr int kRecords = 6000;
  const std::string payload(1000, 'x');
  {
    KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
    for (int i = 0; i < kRecords; ++i)
      ASSERT_TRUE(producer.produce("t", "k" + std::to_string(i), payload, {}, {}, nullptr));
    ASSERT_TRUE(producer.flush(std::chrono::seconds(30)));
  }
  ConsumerOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.group_id = "nudged";
  options.topics = {"t"};
  // A 256 KiB queue: about 250 records, so the 6 MB topic fills and drains it many times.
  // A broker holds a fetch that finds nothing for fetch.wait.max.ms, and a consumer has one
  // fetch per broker in flight: once a partition is read to its end, its leader's other
  // partitions wait behind that long poll. 10 ms keeps that apart from what is tested.
  options.properties = {{"queued.max.messages.kbytes", "256"}, {"fetch.wait.max.ms", "10"}};
  ConsumerListener listener;
  KafkaConsumer consumer(options, listener);

  RecordBatch batch;
  size_t consumed = 0;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (consumed == 0 && Clock::now() < deadline) {
    consumer.poll_batch(100, std::chrono::milliseconds(100), batch);
    consumed += batch.size();
    batch.clear();
  }
  ASSERT_GT(consumed, 0u) << "no record within 60 s";
  // Waits are measured once every partition has started: before, a partition's first fetch
  // may wait on its offset lookup, which is not what is tested.
  std::set<int32_t> started;
  auto longest_wait = Clock::duration::zero();
  auto last_record = Clock::now();
  while (consumed < kRecords && Clock::now() < deadline) {
    // Slower than the fetcher at first, so the queue fills to its limit and fetching stops.
    if (consumed < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    consumer.poll_batch(100, std::chrono::milliseconds(10), batch);
    auto now = Clock::now();
    if (!batch.empty()) {
      if (started.size() == 3) longest_wait = std::max(longest_wait, now - last_record);
      last_record = now;
    }
    for (const Record& m : batch) started.insert(m.partition);
    consumed += batch.size();
    batch.clear();
  }
  EXPECT_EQ(consumed, static_cast<size_t>(kRecords));
  // Without the nudges, each refill waited for a broker thread's timer: up to 1 s.
  EXPECT_GT(consumer.fetch_nudges(), 0u);
  EXPECT_LT(longest_wait, std::chrono::milliseconds(400))
      << std::chrono::duration_cast<std::chrono::milliseconds>(longest_wait).count() << " ms";
}

}  // namespace
}  // namespace klaxon
