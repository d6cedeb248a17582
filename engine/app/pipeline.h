// Pipeline: one consumer's processing loop, in two stages like a Kafka Streams topology:
//
//   input topic --> decode, match (MatchStage) --> repartition topic, keyed by group
//   repartition partition p --> state partition p (StateTask + StateStore + changelog)
//                           --> outbox --> alerts topic
//
// The consumer subscribes to the input topics and the repartition topic in one group, so
// the group spreads both over the pods: every match of a (rule, group) meets the same
// state, whichever pod read its event. State partitions are restored from their changelog
// when assigned (StatePartitions).
//
// Each poll batch goes through these steps:
//   1. input records are decoded and matched; invalid ones go to the dead-letter topic,
//      matches to the repartition topic; repartition records are applied to their state
//      partition, unless already applied (see StateTask);
//   2. each state partition's time advances (stream time, or while the consumer is caught
//      up, the wall clock): due timers fire flatline and spike-down alerts, expire groups;
//   3. state, outbox and applied offsets go to the changelog, are awaited, then committed
//      to each partition's store with the changelog offset reached: at once when alerts
//      fired or the consumer is caught up, else at most every kStateCommitInterval (the
//      changes of several batches then go in one commit);
//   4. the new alerts are produced (removed from the outbox once acknowledged);
//   5. with each state commit, the repartition offsets it covers are stored; a batch's
//      input offsets are stored once Kafka acknowledged its dead letters and repartitioned
//      matches (the next batches are read meanwhile; at most kMaxPendingInputBatches wait,
//      and all of them on revoke and on stop). Stored offsets are committed on the timer, on
//      revoke, on stop.
// With no records, steps 2-4 still run every second, so a flatline fires on time.
// So an input offset is committed only after its matches are in the repartition topic,
// and a repartition offset only after its effects are in the changelog and the store:
// at-least-once processing, and each match is applied to its state at most once, so
// alerts are neither lost nor doubled (an alert can be produced twice only with the same id).
//
// Thread: run() on one thread; request_stop() and stats() from any thread.
#pragma once

#include <spdlog/common.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "alert/outbox_publisher.h"
#include "app/match_stage.h"
#include "app/rule_runner.h"
#include "app/state_partitions.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/rate_limited_log.h"
#include "decode/decoder.h"
#include "match/matcher.h"
#include "metrics/notify_probe.h"
#include "metrics/pipeline_probe.h"
#include "metrics/state_probe.h"
#include "notify/dispatcher.h"
#include "notify/silence.h"
#include "source/acked_writer.h"
#include "source/consumer.h"
#include "source/dead_letter.h"
#include "source/record_reader.h"
#include "source/record_sink.h"
#include "source/record_source.h"

namespace klaxon {

// Totals since start, for the demo's summary and tests.
struct PipelineStats {
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> invalid{0};
  std::atomic<uint64_t> replayed{0};
  std::atomic<uint64_t> skipped{0};          // before run --from TIME, on a group's first start
  std::atomic<uint64_t> matches{0};          // as the match stage finds them
  std::atomic<uint64_t> matches_applied{0};  // by the state partitions (after repartitioning)
  std::atomic<uint64_t> matches_dropped{0};  // their rule no longer loaded (counted, logged)
  std::atomic<uint64_t> alerts{0};
  std::atomic<uint64_t> suppressed{0};
  std::atomic<uint64_t> alerts_delivered{0};
  std::atomic<uint64_t> batches{0};
};

// Where alerts go besides the alerts topic; all null when no channels are configured.
// Owned by the caller; they must outlive the pipeline.
struct Delivery {
  Dispatcher* dispatcher = nullptr;
  NotifyProbe* probe = nullptr;
  const SilenceStore* silences = nullptr;  // klaxon's own silences, applied before a channel
};

// What the pipeline reads from and writes to, set up by the wiring (Engine: Kafka's).
struct PipelineIo {
  // Writes repartitioned matches, changelog entries, alerts and dead letters.
  RecordSink& sink;
  // Joins the group over the input and repartition topics, reporting to the listener.
  std::function<std::unique_ptr<RecordSource>(ConsumerListener&)> open_source;
  // Reads the changelog (restores) and the alerts topic (read-back of the outbox).
  OpenReader open_reader;
  int32_t state_partitions;  // partitions of the repartition and changelog topics
  std::string cluster_id;    // names restored stores' origin; "" when unknown
  // Paces the loop and judges event times; a driver's manual clock moves time by hand.
  const Clock& clock;
};

class Pipeline : private ConsumerListener {
 public:
  // Returns a rule set newer than the one in use, or null; called between batches, so it
  // must not block (RulesReloader::take_if_newer).
  using NewerRules = std::function<std::shared_ptr<const Matcher>()>;

  // Collaborators are owned by the caller and must outlive the pipeline. Joins the group
  // (io.open_source) last, when everything its callbacks use is built.
  Pipeline(const Config& config, const std::shared_ptr<const Matcher>& matcher,
           const PipelineIo& io, PipelineProbe& probe, StateProbe& state_probe,
           NewerRules newer_rules = {}, Delivery delivery = {});
  ~Pipeline() override;

  // Consumes until request_stop(); then finishes the batch in hand, waits for alerts in
  // flight (up to kafka.flush_timeout), commits stored offsets and leaves the group.
  // Throws std::runtime_error when durability cannot be guaranteed (a store, the changelog,
  // the repartition or dead-letter topic failed): nothing of the failed batch is committed.
  void run();
  void request_stop() { stop_.store(true); }
  // run() in steps, for a driver that owns the thread and the timing: poll_once() is one
  // turn of the loop (poll, process, commit what is due); false once the pipeline failed.
  // finish() is the graceful stop (or throws the failure). run() == poll_once() until a stop
  // is requested, then finish().
  bool poll_once();
  void finish();
  const PipelineStats& stats() const { return stats_; }
  int32_t state_partitions() const { return state_partitions_; }

 private:
  struct Cursor {          // one partition's progress within the current batch
    const char* topic_id;  // the records' topic name: one address per topic (RecordBatch)
    int32_t partition;
    std::string topic;
    int64_t last;  // last offset seen in the current batch, -1 when none
    // run --from TIME on a partition without a committed offset: records written to Kafka
    // before this are skipped (and committed), up to the first one at or after it.
    std::optional<int64_t> skip_before_ms = std::nullopt;
    uint64_t skipped = 0;
  };
  // Input records read and processed whose matches and dead letters Kafka has not
  // acknowledged yet. Their offsets are stored once it has, while later batches are read:
  // waiting for every batch's acknowledgements before reading on would cost a round trip
  // to the brokers per batch.
  struct PendingInput {
    uint64_t repartition_through;  // AckedWriter sequence numbers to be acknowledged
    uint64_t dead_letters_through;
    std::vector<std::pair<TopicPartition, int64_t>> offsets;  // next offsets to store
    std::vector<int64_t> timestamps;  // of its events, for the processing latency
    std::chrono::steady_clock::time_point read_at;
  };
  struct PartitionClock {  // per state partition: when its stream time last moved
    int64_t stream_seen = 0;
    std::chrono::steady_clock::time_point moved_at{};
  };

  void process(RecordBatch& batch);
  void process_input(const Record& m, Cursor& cursor);
  void process_match(const Record& m);
  // Runs each state partition's timers due by its current time (see effective_now).
  void advance_time(bool caught_up);
  int64_t effective_now(int32_t partition, const StateTask& task, bool caught_up);
  void publish_counters();
  // Between batches: switches to a newer rule set when there is one.
  void take_newer_rules();
  void reject(const Record& m, DecodeError error);
  Cursor& cursor_for(const Record& m);
  Cursor& cursor_for(const TopicPartition& tp);
  // run --from TIME: marks the input partitions the group never committed.
  void skip_on_first_start(const std::vector<TopicPartition>& parts);
  // run --from TIME: where input partitions the group never committed begin.
  std::optional<int64_t> first_start_from_ms_;
  // True (counted) while a marked partition's records are older than --from.
  bool skip_before_from(const Record& m, Cursor& c);
  void periodic(bool force);
  // The state side of a batch: changelog, stores, alerts, repartition offsets.
  void finish_batch();
  // True when the group has removed this pod: the batch's alerts are not to be published.
  bool fenced();
  // The input side: queues the batch's input offsets behind its acknowledgements.
  void queue_input(std::vector<int64_t> timestamps);
  // Stores the offsets of pending inputs whose writes are acknowledged, in order. Waits
  // (up to kafka.flush_timeout) when `all`, or when too many batches are pending; throws
  // when a write failed or was not acknowledged in time.
  void store_acknowledged_inputs(bool all);
  void observe_latency(const std::vector<int64_t>& timestamps);
  void drop_pending_inputs(const std::vector<TopicPartition>& parts);
  void resend_pending();
  // A partition just opened: its outbox's alerts that are not on the alerts topic yet.
  void resend_unsent(int32_t partition);
  // Hands an outbox entry's pending channels to the dispatcher, unless a klaxon silence
  // holds it back (then they count as done: silenced alerts are not sent later).
  void submit_channels(int32_t partition, const OutboxEntry& entry);
  std::optional<std::string> silenced_by(const OutboxEntry& entry) const;
  // Takes the dispatcher's outcomes: accepted ones leave the outbox (with the next commit),
  // given-up ones go to the dead-letter topic first.
  void collect_deliveries();
  void give_up(DeliveryOutcome outcome);

  // ConsumerListener
  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts, bool lost) override;
  void on_commit(bool ok, const std::string& error) override;
  void on_lag(const std::string& topic, int32_t partition, int64_t lag) override;
  void on_error(const std::string& error, bool fatal) override;

  const Config& config_;
  NewerRules newer_rules_;
  RecordSink& producer_;
  PipelineProbe& probe_;
  StateProbe& state_probe_;
  std::string repartition_topic_;
  int32_t state_partitions_ = 0;
  std::string cluster_id_;
  OpenReader open_reader_;
  const Clock& clock_;
  std::unique_ptr<ActiveRules> rules_;
  MatchStage match_;
  DeadLetterWriter dead_letters_;
  AckedWriter repartition_;
  OutboxPublisher publisher_;
  Dispatcher* dispatcher_;  // null: no channels configured
  NotifyProbe* notify_probe_;
  const SilenceStore* silences_;
  LogRateLimiter give_up_log_limiter_{std::chrono::seconds(10)};
  LogRateLimiter silenced_log_limiter_{std::chrono::seconds(10)};
  std::unique_ptr<StatePartitions> partitions_;
  std::unique_ptr<RecordSource> consumer_;

  std::atomic<bool> stop_{false};
  std::string fatal_;  // an error in a rebalance callback, thrown by run()
  PipelineStats stats_;
  std::vector<uint64_t> alerts_per_rule_, suppressed_per_rule_;

  // Per-batch scratch, reused.
  RecordBatch batch_;
  std::vector<Cursor> cursors_;
  std::vector<RoutedRecord> routed_;
  MatchRecord record_;
  // Logged once the batch is durable, each at its alert's severity.
  std::vector<std::pair<spdlog::level::level_enum, std::string>> new_alert_lines_;
  std::vector<double> latency_buckets_;
  double latency_sum_ = 0;
  uint64_t dead_letters_in_batch_ = 0;  // from the state side, awaited by finish_batch
  uint64_t dead_letters_reported_ = 0;
  std::deque<PendingInput> pending_inputs_;
  std::vector<LogRateLimiter> invalid_log_limiters_;
  LogRateLimiter bad_match_log_limiter_;
  std::chrono::steady_clock::time_point last_periodic_{};
  std::chrono::steady_clock::time_point last_advance_{};
  std::chrono::steady_clock::time_point last_state_commit_{};
  bool alerts_uncommitted_ = false;  // fired since the last state commit
  // The group removed this pod (fenced()): no alert leaves until partitions are lost or
  // assigned again.
  bool fenced_ = false;
  bool state_uncommitted_ = false;  // batches processed since the last state commit
  std::map<int32_t, PartitionClock> clocks_;
  // A reloaded rule set being indexed off this thread (its per-rule metrics resolved);
  // taken between two batches once ready. Last member: destroyed (awaited) first.
  struct PreparedRules {
    std::unique_ptr<ActiveRules> rules;
    std::vector<std::string> names;
    PipelineProbe::RuleCounters counters;
  };
  std::future<PreparedRules> preparing_rules_;

  // Rule sets a reload replaced, kept a while for the matches they produced that are still
  // in the repartition topic: applied under the rule that made them (StateTask::use_rules).
  struct RetiredRules {
    std::unique_ptr<ActiveRules> rules;
    std::chrono::steady_clock::time_point until;
  };
  void retire(std::unique_ptr<ActiveRules> rules);
  // Drops expired sets and rebuilds the lookup; `expired_only`: only when one expired, and
  // then hands the lookup to the state partitions again.
  void forget_retired(bool expired_only);
  std::deque<RetiredRules> retired_;
  RulesByStateId retired_by_state_id_;  // their rules the active set lacks, newest first
  uint64_t retired_alerts_ = 0, retired_suppressed_ = 0;  // not in the per-rule counters
  LogRateLimiter dropped_log_limiter_;
  LogRateLimiter too_old_log_limiter_;
};

}  // namespace klaxon
