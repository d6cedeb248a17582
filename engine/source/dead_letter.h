// DeadLetterWriter: forwards records that cannot be processed to the dead-letter topic, with
// the reason in headers:
//   klaxon.reason         machine-readable reason (e.g. "malformed_json")
//   klaxon.detail         what was wrong, in words
//   klaxon.source         "topic/partition/offset" of the original record
//   klaxon.original_key   the original record's key, when it had one
// The dead letter's key is "<klaxon.source>@<consumer group>": a record dead-lettered twice
// by a group (at-least-once: a crash before its offset was committed) has the same key both
// times, so consumers drop the copy and a compacted dead-letter topic keeps one; another
// group's verdict on the same record (the ES sink's, say) keeps its own.
// The value is the original record's, unchanged, when it fits `max_value_bytes` (a dead
// letter the brokers refuse would stop the engine on that record forever; the default
// follows librdkafka's and brokers' ~1 MB, less room for key and headers). A larger one
// keeps its first max_value_bytes bytes, with
//   klaxon.original_bytes  the original size
//   klaxon.original_fnv1a  FNV-1a 64 of the whole original value (16 hex digits)
//   klaxon.truncated       "true"
// Kafka timestamps are kept. The pipeline waits for every dead letter to be acknowledged
// before it stores the offsets of its batch (see wait()).
// Thread: the pipeline thread.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "source/acked_writer.h"
#include "source/record.h"

namespace klaxon {

// librdkafka's producer default for message.max.bytes; brokers accept about 1 MiB by default.
inline constexpr size_t kDefaultMessageMaxBytes = 1'000'000;
// The value a dead letter may carry so that, with its key and headers, it stays under the
// producer's message.max.bytes (from `properties`) and never above librdkafka's default.
size_t dead_letter_value_limit(const std::map<std::string, std::string>& properties);

class DeadLetterWriter {
 public:
  // `group`: the consumer group whose verdict the dead letters are (part of their key).
  DeadLetterWriter(RecordSink& producer, std::string topic, std::string group,
                   size_t max_value_bytes = dead_letter_value_limit({}))
      : writer_(producer, std::move(topic)),
        group_(std::move(group)),
        max_value_bytes_(max_value_bytes) {}

  void send(const Record& record, std::string_view reason, std::string_view detail);
  // The same for a record already copied out of its message (topic/partition/offset name
  // the original in klaxon.source).
  void send(std::string_view topic, int32_t partition, int64_t offset, std::string_view key,
            std::string_view value, std::string_view reason, std::string_view detail);
  // Waits for every dead letter sent so far (see AckedWriter::wait).
  bool wait(std::chrono::milliseconds timeout, std::string& error) {
    return writer_.wait(timeout, error);
  }
  // See AckedWriter.
  uint64_t sent() const { return writer_.sent(); }
  uint64_t acked_through() const { return writer_.acked_through(); }
  bool take_error(std::string& error) { return writer_.take_error(error); }
  uint64_t acknowledged() const { return writer_.acknowledged(); }
  uint64_t pending() const { return writer_.pending(); }
  const std::string& topic() const { return writer_.topic(); }
  size_t max_value_bytes() const { return max_value_bytes_; }

 private:
  AckedWriter writer_;
  std::string group_;
  size_t max_value_bytes_;
};

}  // namespace klaxon
