// DeadLetterWriter on librdkafka's mock cluster with the producer's default limits: every
// dead letter is one Kafka takes, keyed by its source, whatever the record's size.
#include "source/dead_letter.h"

#include <gtest/gtest.h>

#include "core/hash.h"
#include "source/mock_cluster.h"
#include "source/producer.h"
#include "source/topic_reader.h"

namespace klaxon {
namespace {

// The headers a dead letter may carry, as a map of those present.
std::map<std::string, std::string> headers_of(const Record& m) {
  std::map<std::string, std::string> out;
  for (const char* name : {"klaxon.source", "klaxon.reason", "klaxon.original_key",
                           "klaxon.original_bytes", "klaxon.original_fnv1a", "klaxon.truncated"})
    if (auto value = m.header(name)) out[name] = std::string(*value);
  return out;
}

TEST(DeadLetterWriter, LimitFollowsTheProducersMessageMaxBytes) {
  EXPECT_EQ(dead_letter_value_limit({}), kDefaultMessageMaxBytes - (16 << 10));
  // Raised for the consumer's sake, it does not raise what the brokers take by default.
  EXPECT_EQ(dead_letter_value_limit({{"message.max.bytes", "10000000"}}),
            kDefaultMessageMaxBytes - (16 << 10));
  EXPECT_EQ(dead_letter_value_limit({{"message.max.bytes", "500000"}}), 500000u - (16 << 10));
  EXPECT_EQ(dead_letter_value_limit({{"message.max.bytes", "junk"}}),
            kDefaultMessageMaxBytes - (16 << 10));
  EXPECT_GT(dead_letter_value_limit({{"message.max.bytes", "1000"}}), 0u);
}

// 20 MB (far beyond any broker's default), at the limit and one byte past it.
TEST(DeadLetterWriter, AnyRecordIsDeadLetteredWithinTheLimitsKeyedByItsSource) {
  MockCluster cluster(1);
  cluster.create_topic("dead", 1, 1);
  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
  DeadLetterWriter writer(producer, "dead", "klaxon");
  const size_t limit = writer.max_value_bytes();
  std::vector<std::string> values = {std::string(20'000'000, 'z'), std::string(limit, 'a'),
                                     std::string(limit + 1, 'b'), ""};
  for (size_t i = 0; i < values.size(); ++i)
    writer.send("logs", 2, static_cast<int64_t>(100 + i), i == 0 ? "orig" : "", values[i],
                "oversized", "too big");
  std::string error;
  ASSERT_TRUE(writer.wait(std::chrono::seconds(20), error)) << error;

  TopicReaderOptions o;
  o.bootstrap_servers = cluster.bootstrap_servers();
  o.topic = "dead";
  TopicReader reader(o);
  RecordBatch batch;
  while (!reader.caught_up()) reader.next(batch, 100);
  ASSERT_EQ(batch.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const Record& m = batch[i];
    std::string key(m.key);
    std::string value(m.value);
    auto h = headers_of(m);
    std::string source = "logs/2/" + std::to_string(100 + i);
    EXPECT_EQ(key, source + "@klaxon");
    EXPECT_EQ(h["klaxon.source"], source);
    EXPECT_EQ(h["klaxon.reason"], "oversized");
    EXPECT_EQ(h.count("klaxon.original_key"), i == 0 ? 1u : 0u);
    if (values[i].size() > limit) {
      EXPECT_EQ(value, values[i].substr(0, limit));
      EXPECT_EQ(h["klaxon.original_bytes"], std::to_string(values[i].size()));
      EXPECT_EQ(h["klaxon.original_fnv1a"], hex64(fnv1a64(values[i])));
      EXPECT_EQ(h["klaxon.truncated"], "true");
    } else {
      EXPECT_EQ(value, values[i]);
      EXPECT_EQ(h.count("klaxon.truncated"), 0u);
    }
  }
}

}  // namespace
}  // namespace klaxon
