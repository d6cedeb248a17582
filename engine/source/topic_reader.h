// TopicReader: reads a topic (or one of its partitions) from a start (an offset, a time, or
// the beginning) to the end its partitions had when reading began, without joining a
// consumer group: nothing is committed and no running engine is disturbed. Used by
// `klaxon rules test --topic` and to restore state stores from their changelogs.
//
// With `follow`, it keeps reading what is written after that end, for as long as it lives
// (a global store's feed: every process reads the whole topic and then its news).
//
// Records of all partitions come interleaved as the brokers serve them (as a consumer of
// the live topic sees them), so event time advances as it would in the engine.
// Thread: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "source/consumer.h"
#include "source/kafka_conf.h"
#include "source/record_reader.h"

namespace klaxon {

class TopicReader : public RecordReader {
 public:
  // Throws std::runtime_error when the topic cannot be found or its offsets looked up.
  explicit TopicReader(TopicReaderOptions options);
  ~TopicReader() override;
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  bool next(RecordBatch& out, size_t max) override;
  bool caught_up() const override { return ranges_.empty(); }
  uint64_t total() const override { return total_; }
  int time_lookup_misses() const override { return time_lookup_misses_; }
  const std::map<int32_t, Watermarks>& all_watermarks() const override { return watermarks_; }

  // Kafka's readers, for those who take an OpenReader.
  static OpenReader opener();

 private:
  struct Range {
    int64_t next;  // next offset to read
    int64_t end;   // the end when reading began (exclusive)
  };
  TopicReaderOptions options_;
  RdKafkaPtr rk_;
  std::map<int32_t, Range> ranges_;  // partitions not finished yet
  std::map<int32_t, Watermarks> watermarks_;
  uint64_t total_ = 0;
  int time_lookup_misses_ = 0;
};

}  // namespace klaxon
