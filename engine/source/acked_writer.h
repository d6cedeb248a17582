// AckedWriter: produces to one topic and tells when Kafka acknowledged what was sent.
// The pipeline stores an input offset only after what the record caused (dead letters,
// repartitioned matches, changelog entries) is acknowledged: that is the at-least-once
// contract, so writes that must precede a commit go through here. Either wait() for all,
// or note sent() after a batch and store its offsets once acked_through() reaches it
// (the pipeline does that, so it reads the next batch while Kafka acknowledges this one).
// Thread: the pipeline thread; delivery callbacks run there too (inside producer.poll()).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "source/record_sink.h"

namespace klaxon {

class AckedWriter {
 public:
  AckedWriter(RecordSink& producer, std::string topic)
      : producer_(producer), topic_(std::move(topic)) {}
  AckedWriter(const AckedWriter&) = delete;
  AckedWriter& operator=(const AckedWriter&) = delete;

  // Queues one message; a message that cannot be queued counts as failed (see wait()).
  void send(std::string_view key, std::string_view value, const std::vector<Header>& headers,
            int32_t partition = RecordSink::kAnyPartition);
  // Waits for every message sent so far. Returns false, with the first error, when one
  // failed or was not acknowledged within `timeout`; the error is then cleared.
  bool wait(std::chrono::milliseconds timeout, std::string& error);

  // Messages are numbered 1, 2, ... in send order: sent() is the last number given out;
  // acked_through() the highest n such that messages 1..n are all acknowledged (acks come
  // in order per partition, not across partitions).
  uint64_t sent() const { return sent_; }
  uint64_t acked_through() const { return acked_through_; }
  // Takes the first error (a failed or unqueueable message) without waiting; false if none.
  bool take_error(std::string& error);

  uint64_t acknowledged() const { return acknowledged_; }
  uint64_t pending() const { return pending_; }
  // Offset of the newest acknowledged message of `partition`, or -1.
  int64_t last_offset(int32_t partition) const;
  const std::string& topic() const { return topic_; }

 private:
  RecordSink& producer_;
  std::string topic_;
  uint64_t pending_ = 0;
  uint64_t acknowledged_ = 0;
  uint64_t sent_ = 0;
  uint64_t acked_through_ = 0;
  std::deque<bool> acked_after_;  // for messages acked_through_ + 1 ... sent_
  std::string first_error_;
  std::map<int32_t, int64_t> last_offsets_;

  void mark_acked(uint64_t sequence);
};

}  // namespace klaxon
