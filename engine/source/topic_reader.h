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

namespace klaxon {

struct TopicReaderOptions {
  std::string bootstrap_servers;
  std::string topic;
  std::optional<int32_t> partition;     // only this partition
  std::optional<int64_t> from_offset;   // per partition; below a partition's start: its start
  std::optional<int64_t> to_offset;     // per partition, exclusive; past its end: its end
  std::optional<int64_t> from_time_ms;  // the first record at or after this time
  std::map<std::string, std::string> properties;  // librdkafka properties (SASL/SSL, ...)
  std::chrono::milliseconds timeout{10000};       // for metadata and offset lookups
  std::string client_id = "klaxon-reader";
  bool follow = false;  // keep reading past the end; next() then never returns false
};

struct Watermarks {
  int64_t low = 0;   // the first offset still in the partition
  int64_t high = 0;  // the offset the next record will get
};

class TopicReader {
 public:
  // Throws std::runtime_error when the topic cannot be found or its offsets looked up.
  explicit TopicReader(TopicReaderOptions options);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Appends up to `max` records; returns false once every partition reached its end.
  // Following, it returns within about half a second when nothing new comes.
  // Throws std::runtime_error on a fatal Kafka error, or when records before the end do not
  // come within `timeout`.
  bool next(MessageBatch& out, size_t max);
  // Every partition has been read up to the end it had when reading began.
  bool caught_up() const { return ranges_.empty(); }
  // Records between the start and end offsets, over all partitions.
  uint64_t total() const { return total_; }
  // With from_time_ms: partitions holding records for which the cluster found no offset at
  // or after that time (the time is past their newest record, or the cluster cannot look
  // offsets up by time, as librdkafka's mock cannot).
  int time_lookup_misses() const { return time_lookup_misses_; }
  // The partition's offsets when reading began.
  Watermarks watermarks(int32_t partition) const;
  // Every partition read (with `partition` set: that one) and its offsets.
  const std::map<int32_t, Watermarks>& all_watermarks() const { return watermarks_; }

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
