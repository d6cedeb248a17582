// StateStore: the engine's durable state in one RocksDB database under a state directory.
//
// It holds three things, always written together in one atomic WriteBatch per processing
// batch, so a crash leaves either all of a batch's effects or none:
//   - dedup groups: per (rule, group key) the counts, first/last seen and last alert time;
//   - the alert outbox: alerts decided but not yet acknowledged by the alerts topic;
//   - applied offsets: per (stream, partition) the last record whose effects are in here,
//     so records redelivered after a crash or rebalance are recognised and skipped.
//
// Dedup semantics (event time, per group): the first match alerts; matches within
// `realert` of the last alert are counted as suppressed; the first match after the window
// alerts again and carries the suppressed count, which then restarts from zero.
//
// Thread: observe/stage_*/commit_batch/applied_offset from the one pipeline thread.
// pending_alerts/remove_alert are safe from any thread (they touch only RocksDB).
#pragma once

#include <rocksdb/db.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace klaxon {

struct GroupState {
  uint64_t count = 0;       // matches since the group was first seen
  uint64_t suppressed = 0;  // matches since the last alert that did not alert
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t last_alert_ms = 0;             // event time of the match that last alerted; 0 = never
  std::vector<std::string> request_ids;  // distinct ids since the last alert, bounded

  bool operator==(const GroupState&) const = default;
};

struct Observation {
  bool alert = false;
  uint64_t suppressed_before = 0;  // when alerting: suppressed matches since the previous alert
  // When alerting: this match's request ids, then those of the suppressed matches since the
  // previous alert (distinct, bounded by max_request_ids). Empty when not alerting.
  std::vector<std::string> alert_request_ids;
  GroupState state;  // the group after this match
};

struct OutboxEntry {
  std::string alert_id;
  std::string key;       // Kafka message key for the alerts topic
  std::string document;  // the alert JSON
};

struct StateOptions {
  std::string dir;   // created when missing
  bool sync = true;  // fsync the WAL on each commit_batch
  size_t max_request_ids = 10;
};

class StateStore {
 public:
  // Opens or creates the database; throws std::runtime_error naming the directory and the
  // RocksDB status when it cannot.
  explicit StateStore(StateOptions options);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Applies one match to its group in the current batch (later observes in the same batch
  // see it). `request_ids` are this match's ids, merged into the group's bounded list.
  Observation observe(std::string_view rule, std::string_view group_key, int64_t event_time_ms,
                      std::chrono::milliseconds realert,
                      const std::vector<std::string>& request_ids);

  // Adds an alert to the outbox, in the current batch.
  void stage_alert(const OutboxEntry& entry);
  // Records that records up to and including `offset` of stream/partition are applied.
  void stage_offset(std::string_view stream, int32_t partition, int64_t offset);

  // Writes the current batch atomically (and durably when sync); clears it. On failure the
  // batch is kept so the caller can retry or stop; nothing of it is visible.
  rocksdb::Status commit_batch();
  // Drops the current batch uncommitted.
  void discard_batch();

  // Last applied offset of stream/partition (committed batches only), or -1.
  int64_t applied_offset(std::string_view stream, int32_t partition) const;
  // Committed state of a group, if any (for tests and tools).
  bool get_group(std::string_view rule, std::string_view group_key, GroupState& out) const;

  // Committed outbox entries, oldest first.
  std::vector<OutboxEntry> pending_alerts() const;
  rocksdb::Status remove_alert(std::string_view alert_id);

  // RocksDB's estimate of live dedup groups (for the state-size metric).
  uint64_t estimated_groups() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klaxon
