// TopicReader as the silence feed and the changelog restore use it: to the end it had when
// reading began, or (following) on past it, on librdkafka's mock cluster.
#include "source/topic_reader.h"

#include <gtest/gtest.h>

#include "source/mock_cluster.h"
#include "source/producer.h"

namespace klaxon {
namespace {

void produce(KafkaProducer& producer, const std::string& topic, const std::string& key,
             const std::string* value) {
  std::string error;
  ASSERT_TRUE(producer.produce(topic, key, value ? std::string_view(*value) : std::string_view(),
                               {}, nullptr, &error))
      << error;
  ASSERT_TRUE(producer.flush(std::chrono::seconds(10)));
}

std::vector<std::string> keys(const RecordBatch& batch) {
  std::vector<std::string> out;
  for (const Record& m : batch) out.emplace_back(m.key);
  return out;
}

TEST(TopicReader, StopsAtTheEndItFoundOrFollowsPastIt) {
  MockCluster cluster(1);
  cluster.create_topic("t", 1, 1);
  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
  std::string v = "v";
  produce(producer, "t", "a", &v);

  TopicReaderOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.topic = "t";
  TopicReader once(options);
  options.follow = true;
  TopicReader follower(options);

  produce(producer, "t", "b", &v);  // after both began
  RecordBatch batch;
  std::vector<std::string> read;
  while (once.next(batch, 10)) {
    for (auto& k : keys(batch)) read.push_back(k);
    batch.clear();
  }
  EXPECT_EQ(read, std::vector<std::string>{"a"});

  for (int i = 0; i < 20 && batch.size() < 2; ++i) EXPECT_TRUE(follower.next(batch, 10));
  EXPECT_TRUE(follower.caught_up());
  EXPECT_EQ(keys(batch), (std::vector<std::string>{"a", "b"}));

  produce(producer, "t", "c", nullptr);  // a tombstone is a record too
  batch.clear();
  for (int i = 0; i < 20 && batch.empty(); ++i) follower.next(batch, 10);
  ASSERT_EQ(keys(batch), std::vector<std::string>{"c"});
  EXPECT_TRUE(batch.begin()->tombstone);
}

// kafka.properties reach every client; the group's own timings are not the reader's (it
// never joins): max.poll.interval.ms below librdkafka's default session timeout stopped the
// restore of every state partition.
TEST(TopicReader, IgnoresTheGroupsTimingsInTheProperties) {
  MockCluster cluster(1);
  cluster.create_topic("t", 1, 1);
  TopicReaderOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.topic = "t";
  options.properties = {{"max.poll.interval.ms", "6000"},
                        {"session.timeout.ms", "45000"},
                        {"heartbeat.interval.ms", "500"}};
  TopicReader reader(options);
  RecordBatch batch;
  EXPECT_FALSE(reader.next(batch, 10));  // empty, read to its end
}

TEST(TopicReader, FollowingAnEmptyTopicIsCaughtUpAtOnceAndSeesWhatComes) {
  MockCluster cluster(1);
  cluster.create_topic("empty", 1, 1);
  TopicReaderOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.topic = "empty";
  options.follow = true;
  TopicReader follower(options);
  EXPECT_TRUE(follower.caught_up());
  RecordBatch batch;
  EXPECT_TRUE(follower.next(batch, 10));  // returns (empty) instead of blocking
  EXPECT_TRUE(batch.empty());

  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}, {}, true});
  std::string v = "v";
  produce(producer, "empty", "x", &v);
  for (int i = 0; i < 20 && batch.empty(); ++i) follower.next(batch, 10);
  EXPECT_EQ(keys(batch), std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace klaxon
