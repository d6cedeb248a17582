// AckedWriter: produces to one topic and waits until Kafka acknowledged everything sent.
// The pipeline stores an input offset only after what the record caused (dead letters,
// repartitioned matches, changelog entries) is acknowledged: that is the at-least-once
// contract, so writes that must precede a commit go through here.
// Thread: the pipeline thread; delivery callbacks run there too (inside producer.poll()).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "source/producer.h"

namespace klaxon {

class AckedWriter {
 public:
  AckedWriter(KafkaProducer& producer, std::string topic)
      : producer_(producer), topic_(std::move(topic)) {}
  AckedWriter(const AckedWriter&) = delete;
  AckedWriter& operator=(const AckedWriter&) = delete;

  // Queues one message; a message that cannot be queued counts as failed (see wait()).
  void send(std::string_view key, std::string_view value, const std::vector<Header>& headers,
            int32_t partition = RD_KAFKA_PARTITION_UA);
  // Waits for every message sent so far. Returns false, with the first error, when one
  // failed or was not acknowledged within `timeout`; the error is then cleared.
  bool wait(std::chrono::milliseconds timeout, std::string& error);

  uint64_t acknowledged() const { return acknowledged_; }
  uint64_t pending() const { return pending_; }
  // Offset of the newest acknowledged message of `partition`, or -1.
  int64_t last_offset(int32_t partition) const;
  const std::string& topic() const { return topic_; }

 private:
  KafkaProducer& producer_;
  std::string topic_;
  uint64_t pending_ = 0;
  uint64_t acknowledged_ = 0;
  std::string first_error_;
  std::map<int32_t, int64_t> last_offsets_;
};

}  // namespace klaxon
