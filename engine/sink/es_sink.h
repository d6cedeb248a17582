// EsSink: the loop of `klaxon sink-es`. Reads the log topics as its own consumer group,
// encodes each record as a bulk document (DocEncoder), batches documents by count, bytes
// and linger time into _bulk requests for the BulkService, and commits offsets as
// documents finish.
//
// Guarantee (at-least-once, no duplicates in the index): an offset is stored for commit
// only when its record and every record before it in the partition is indexed (Elasticsearch
// answered 2xx for it) or acknowledged by the dead-letter topic (refused by Elasticsearch
// for good, or not decodable). After a crash or rebalance the uncommitted records are read
// again and indexed under the same `_id`, overwriting, never duplicating.
//
// Backpressure: when documents read but not yet finished exceed buffer_max_bytes, every
// assigned partition is paused (the consumer keeps polling, so the group membership stays
// alive) until they fall below half of it. Each poll takes at most as many records as fit
// in the room left (at the average document size seen so far), so one poll cannot overshoot
// the limit by more than a few documents.
//
// Thread: construct and run() on one thread; request_stop() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/rate_limited_log.h"
#include "metrics/consumer_probe.h"
#include "metrics/sink_probe.h"
#include "sink/bulk_service.h"
#include "sink/doc_encoder.h"
#include "sink/offset_tracker.h"
#include "source/consumer.h"
#include "source/dead_letter.h"

namespace klaxon {

struct EsSinkOptions {
  size_t bulk_max_docs = 5000;
  size_t bulk_max_bytes = 5 << 20;
  std::chrono::milliseconds linger{200};
  size_t buffer_max_bytes = 64 << 20;
  size_t poll_batch = 5000;
  std::chrono::milliseconds poll_timeout{100};
  // Dead letters must be acknowledged within this; at shutdown, how long in-flight
  // requests may still finish.
  std::chrono::milliseconds flush_timeout{30000};
  std::chrono::milliseconds invalid_log_interval{10000};
};

class EsSink : private ConsumerListener {
 public:
  // Joins the group (throws like KafkaConsumer). The service, dead-letter writer and probes
  // must outlive the sink.
  EsSink(EsSinkOptions options, ConsumerOptions consumer, DocEncoder encoder, BulkService& service,
         DeadLetterWriter& dead_letters, ConsumerProbe& consumer_probe, SinkProbe& probe);
  ~EsSink() override;

  // Runs until request_stop(); then sends what is buffered, waits up to flush_timeout for
  // it, commits what finished and leaves the group.
  void run();
  void request_stop() { stop_ = true; }

  // Documents read and not yet finished (for tests).
  size_t outstanding() const { return tracker_.outstanding(); }

 private:
  void handle_record(const Record& m);
  void flush_open_batch();
  void collect_results();
  void send_dead_letters();
  void apply_backpressure();
  void store_offsets();
  size_t buffered_bytes() const { return open_bytes_ + service_.buffered_bytes(); }
  size_t poll_limit() const;

  // ConsumerListener
  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts, bool lost) override;
  void on_commit(bool ok, const std::string& error) override;
  void on_lag(const std::string& topic, int32_t partition, int64_t lag) override;
  void on_error(const std::string& error, bool fatal) override;

  using Clock = std::chrono::steady_clock;
  EsSinkOptions options_;
  DocEncoder encoder_;
  BulkService& service_;
  DeadLetterWriter& dead_letters_;
  ConsumerProbe& consumer_probe_;
  SinkProbe& probe_;
  std::unique_ptr<KafkaConsumer> consumer_;
  OffsetTracker tracker_;
  std::atomic<bool> stop_{false};

  std::vector<BulkDoc> open_;  // the request being filled
  size_t open_bytes_ = 0;
  Clock::time_point open_since_{};
  BulkDoc scratch_;  // encoded into, then moved into open_

  BulkResults results_;
  // Refused documents written to the dead-letter topic, waiting for its acknowledgement.
  std::vector<RefusedDoc> refused_;
  std::vector<DocPosition> invalid_;  // undecodable records sent to the dead-letter topic
  bool paused_ = false;
  uint64_t encoded_docs_ = 0;  // for the average document size
  uint64_t encoded_bytes_ = 0;
  LogRateLimiter invalid_log_;
  LogRateLimiter refused_log_;
};

}  // namespace klaxon
