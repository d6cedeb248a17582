// DeadLetterWriter: forwards records that cannot be processed to the dead-letter topic,
// unchanged, with the reason in headers:
//   klaxon.reason     machine-readable reason (e.g. "malformed_json")
//   klaxon.detail     what was wrong, in words
//   klaxon.source     "topic/partition/offset" of the original record
// Keys and Kafka timestamps are kept. The pipeline waits for every dead letter to be
// acknowledged before it stores the offsets of its batch (see wait()).
// Thread: the pipeline thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include "source/acked_writer.h"

namespace klaxon {

class DeadLetterWriter {
 public:
  DeadLetterWriter(KafkaProducer& producer, std::string topic)
      : writer_(producer, std::move(topic)) {}

  void send(const rd_kafka_message_t& record, std::string_view reason, std::string_view detail);
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

 private:
  AckedWriter writer_;
};

}  // namespace klaxon
