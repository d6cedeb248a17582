// Pipeline: one consumer's processing loop: source -> decode -> match -> state -> alert.
//
// Each poll batch is processed in order and made durable as one unit:
//   1. records already applied (offset <= the state store's applied offset) are skipped:
//      redeliveries after a crash or rebalance change nothing;
//   2. each record is decoded; invalid ones go to the dead-letter topic with the reason;
//   3. matches update their rule groups (Evaluator); alerts that fire go into the outbox;
//   4. time advances (stream time, or the wall clock while caught up): due timers fire
//      flatline and spike-down alerts and forget expired groups;
//   5. dead letters are awaited (acknowledged by Kafka);
//   6. state, outbox and applied offsets are written in one atomic RocksDB batch;
//   7. the new alerts are produced (removed from the outbox once acknowledged);
//   8. the batch's offsets are stored, to be committed on the timer, on revoke or on stop.
// With no records, steps 4 and 6-7 still run every second, so a flatline fires on time.
// So an offset is committed only after its record's effects are durable (at-least-once
// processing), and because effects and applied offsets are written together, a record is
// applied to the state at most once: alerts are neither lost nor doubled by a replay.
//
// Thread: run() on one thread; request_stop() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "alert/outbox_publisher.h"
#include "app/rule_runner.h"
#include "config/config.h"
#include "core/rate_limited_log.h"
#include "decode/decoder.h"
#include "match/matcher.h"
#include "metrics/pipeline_probe.h"
#include "source/consumer.h"
#include "source/dead_letter.h"
#include "source/producer.h"
#include "state/state_store.h"

namespace klaxon {

// Totals since start, for the demo's summary and tests.
struct PipelineStats {
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> invalid{0};
  std::atomic<uint64_t> replayed{0};
  std::atomic<uint64_t> matches{0};
  std::atomic<uint64_t> alerts{0};
  std::atomic<uint64_t> suppressed{0};
  std::atomic<uint64_t> alerts_delivered{0};
  std::atomic<uint64_t> batches{0};
};

class Pipeline : private ConsumerListener {
 public:
  // Returns a rule set newer than the one in use, or null; called between batches, so it
  // must not block (RulesReloader::take_if_newer).
  using NewerRules = std::function<std::shared_ptr<const Matcher>()>;

  // Collaborators are owned by the caller and must outlive the pipeline.
  Pipeline(const Config& config, std::shared_ptr<const Matcher> matcher, StateStore& store,
           KafkaProducer& producer, PipelineProbe& probe, NewerRules newer_rules = {});
  ~Pipeline() override;

  // Consumes until request_stop(); then finishes the batch in hand, waits for alerts in
  // flight (up to kafka.flush_timeout), commits stored offsets and leaves the group.
  // Throws std::runtime_error when durability cannot be guaranteed (state store write
  // failed, dead-letter topic unavailable): nothing of the failed batch is committed.
  void run();
  void request_stop() { stop_.store(true); }
  const PipelineStats& stats() const { return stats_; }

 private:
  struct Cursor {  // one partition's progress within this process
    const rd_kafka_topic_t* rkt;
    int32_t partition;
    std::string topic;
    std::string stream;  // cluster id + topic: scopes applied offsets to one cluster
    int64_t applied;     // last offset whose effects are in the state store
    int64_t last;        // last offset seen in the current batch, -1 when none
  };

  void process(MessageBatch& batch);
  void process_record(const rd_kafka_message_t& m, Cursor& cursor);
  // Runs the timers due by the engine's current time (see effective_now).
  void advance_time(bool caught_up);
  int64_t effective_now(bool caught_up);
  void stage(const Alert& alert);
  void publish_counters();
  // Between batches: switches to a newer rule set when there is one.
  void take_newer_rules();
  void reject(const rd_kafka_message_t& m, DecodeError error);
  Cursor& cursor_for(const rd_kafka_message_t& m);
  void periodic(bool force);
  void finish_batch();

  // ConsumerListener
  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts, bool lost) override;
  void on_commit(bool ok, const std::string& error) override;
  void on_lag(const std::string& topic, int32_t partition, int64_t lag) override;
  void on_error(const std::string& error, bool fatal) override;

  const Config& config_;
  NewerRules newer_rules_;
  StateStore& store_;
  KafkaProducer& producer_;
  PipelineProbe& probe_;
  RuleRunner runner_;
  DeadLetterWriter dead_letters_;
  OutboxPublisher publisher_;
  std::unique_ptr<KafkaConsumer> consumer_;
  std::string cluster_id_;

  std::atomic<bool> stop_{false};
  PipelineStats stats_;

  // Per-batch scratch, reused.
  std::vector<Cursor> cursors_;
  std::vector<OutboxEntry> new_alerts_;
  std::vector<std::string> new_alert_lines_;
  std::vector<double> latency_buckets_;
  double latency_sum_ = 0;
  uint64_t dead_letters_in_batch_ = 0;
  std::vector<LogRateLimiter> invalid_log_limiters_;
  std::chrono::steady_clock::time_point last_periodic_{};
  std::chrono::steady_clock::time_point last_advance_{};
  int64_t stream_seen_ = 0;  // stream time at the last advance, and when it last moved
  std::chrono::steady_clock::time_point stream_moved_at_{};
};

}  // namespace klaxon
