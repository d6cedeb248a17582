// RecordReader: reads a topic (or one of its partitions) from a start to the end it had
// when reading began, outside any consumer group (nothing is committed); with `follow`,
// also what comes after. Restoring a state partition from its changelog, reading back the
// alerts topic and the silences feed go through it. TopicReader is Kafka's; tests may open
// in-memory ones (OpenReader).
//
// Thread: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "source/record.h"

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

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Appends up to `max` records; returns false once every partition reached its end.
  // Following, it returns within about half a second when nothing new comes.
  // Throws std::runtime_error on a fatal error, or when records before the end do not come
  // within the options' timeout.
  virtual bool next(RecordBatch& out, size_t max) = 0;
  // Every partition has been read up to the end it had when reading began.
  virtual bool caught_up() const = 0;
  // Records between the start and end offsets, over all partitions.
  virtual uint64_t total() const = 0;
  // With from_time_ms: partitions holding records for which no offset at or after that
  // time was found (the time is past their newest record, or the cluster cannot look
  // offsets up by time, as librdkafka's mock cannot).
  virtual int time_lookup_misses() const = 0;
  // Every partition read (with `partition` set: that one) and its offsets when reading began.
  virtual const std::map<int32_t, Watermarks>& all_watermarks() const = 0;
  // One partition's.
  Watermarks watermarks(int32_t partition) const {
    auto it = all_watermarks().find(partition);
    return it == all_watermarks().end() ? Watermarks{} : it->second;
  }
};

// Opens a reader; throws std::runtime_error when the topic cannot be found or its offsets
// looked up.
using OpenReader = std::function<std::unique_ptr<RecordReader>(const TopicReaderOptions&)>;

}  // namespace klaxon
