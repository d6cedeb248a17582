// Record and RecordBatch: records made by hand behave as those of the Kafka client (the
// client's side is covered by topic_reader_test and dead_letter_test through a mock cluster).
#include "source/record.h"

#include <gtest/gtest.h>

#include <set>

namespace klaxon {
namespace {

Record record(std::string_view topic, int32_t partition, int64_t offset, std::string_view value) {
  Record r;
  r.topic = topic;
  r.partition = partition;
  r.offset = offset;
  r.timestamp_ms = 1000 + offset;
  r.key = offset == 0 ? "k0" : "";
  r.value = value;
  return r;
}

TEST(RecordBatch, CopiesWhatItIsGiven) {
  RecordBatch batch;
  {
    std::string topic = "logs", value = "a value longer than any small-string buffer";
    Record r = record(topic, 2, 0, value);
    batch.push_copy(r, {{"h", "first"}, {"h", "last"}, {"other", ""}});
    topic.assign(topic.size(), 'x');  // the batch does not view the caller's memory
    value.assign(value.size(), 'x');
  }
  ASSERT_EQ(batch.size(), 1u);
  const Record& r = batch[0];
  EXPECT_EQ(r.topic, "logs");
  EXPECT_EQ(r.partition, 2);
  EXPECT_EQ(r.offset, 0);
  EXPECT_EQ(r.timestamp_ms, 1000);
  EXPECT_EQ(r.key, "k0");
  EXPECT_EQ(r.value, "a value longer than any small-string buffer");
  EXPECT_FALSE(r.tombstone);
  EXPECT_EQ(r.header("h"), "last") << "the last header of a name, as Kafka's clients read it";
  EXPECT_EQ(r.header("other"), "");
  EXPECT_EQ(r.header("absent"), std::nullopt);
}

TEST(RecordBatch, DropsThePartitionsItIsToldAndKeepsTheOthersInOrder) {
  RecordBatch batch;
  for (int i = 0; i < 6; ++i) {
    std::string value = "v" + std::to_string(i);
    Record r = record(i % 2 ? "a" : "b", i % 3, i, value);
    batch.push_copy(r, {{"n", std::to_string(i)}});
  }
  batch.drop({{"a", 1}, {"b", 2}, {"c", 0}});  // offsets 1 (a/1) and 2 (b/2)
  std::vector<int64_t> offsets;
  for (const Record& r : batch) {
    offsets.push_back(r.offset);
    EXPECT_EQ(r.value, "v" + std::to_string(r.offset));
    EXPECT_EQ(r.header("n"), std::to_string(r.offset)) << "headers moved with their record";
  }
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 3, 4, 5}));
  batch.clear();
  EXPECT_TRUE(batch.empty());
}

// The pipeline tells partitions apart by the address of their topic's name, as librdkafka
// keeps one per topic: copies keep one per topic too, also across clear(), where a freed
// copy's memory would otherwise come back under another topic's name.
TEST(RecordBatch, ATopicsNameIsAtOneAddressAcrossBatches) {
  RecordBatch batch;
  std::set<const char*> a, b;
  for (int round = 0; round < 50; ++round) {
    std::string topic_a = "logs_a", topic_b = "logs_b";
    batch.push_copy(record(round % 2 ? topic_a : topic_b, 0, round, "v"));
    batch.push_copy(record(round % 2 ? topic_b : topic_a, 0, round, "v"));
    for (const Record& r : batch) (r.topic == "logs_a" ? a : b).insert(r.topic.data());
    batch.clear();
  }
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_NE(*a.begin(), *b.begin());
}

TEST(RecordBatch, KeepsATombstoneApartFromAnEmptyValue) {
  RecordBatch batch;
  Record deleted = record("t", 0, 1, "");
  deleted.tombstone = true;
  batch.push_copy(deleted);
  batch.push_copy(record("t", 0, 2, ""));
  EXPECT_TRUE(batch[0].tombstone);
  EXPECT_EQ(batch[0].value.data(), nullptr) << "null, as the client hands a tombstone out";
  EXPECT_FALSE(batch[1].tombstone);
  EXPECT_EQ(batch[0].header("any"), std::nullopt);
}

}  // namespace
}  // namespace klaxon
