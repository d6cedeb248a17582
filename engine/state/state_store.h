// StateStore: the engine's durable state in one RocksDB database under a state directory.
//
// In `klaxon run` there is one StateStore per state partition (see app/state_tasks.h),
// each backed by its partition of the changelog topic (state/changelog.h).
//
// It holds, always written together in one atomic WriteBatch per processing batch (so a
// crash leaves either all of a batch's effects or none):
//   - rule state: key/value pairs the alert stage's evaluator keeps per (rule, group) and
//     its timers (see state/codec.h for the key layout; values are the evaluator's);
//   - the alert outbox: alerts decided but not yet acknowledged by the alerts topic;
//   - applied offsets: per (stream, partition) the last record whose effects are in here,
//     so records redelivered after a crash or rebalance are recognised and skipped;
//   - local-only keys (never changelogged): the changelog checkpoint, i.e. which changelog
//     this store mirrors and the offset of the last changelog batch it contains.
// Reads see the current batch's own writes (read-your-writes), also when scanning.
//
// Thread: one thread at a time (the pipeline thread). estimated_groups/estimated_bytes are
// safe from any thread.
// Errors: a RocksDB read error throws std::runtime_error (carrying on would double-count or
// re-alert); write errors are returned by commit_batch.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/write_buffer_manager.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct OutboxEntry {
  std::string alert_id;
  std::string key;       // Kafka message key for the alerts topic
  std::string document;  // the alert JSON
  // Where it still has to go: the alerts topic, and channels by name. The entry leaves the
  // outbox once every target took it (or it was dead-lettered).
  bool to_topic = true;
  std::vector<std::string> channels;
  int64_t queued_ms = 0;  // wall clock when it entered the outbox (delivery give-up clock)
  bool delivered() const { return !to_topic && channels.empty(); }
};

// Memory that the stores of one process share, so that many partitions do not multiply it:
// one block cache, and one budget for memtables (charged to that cache).
struct StoreMemory {
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  // A cache of `bytes` in all, at most half of it memtables.
  static StoreMemory shared(size_t bytes);
};

struct StateOptions {
  std::string dir;     // created when missing
  bool sync = true;    // fsync the WAL on each commit_batch
  StoreMemory memory;  // empty: the store's own (32 MiB cache, 16 MiB memtable)
};

class StateStore {
 public:
  // Opens or creates the database; throws std::runtime_error naming the directory and the
  // RocksDB status when it cannot.
  explicit StateStore(StateOptions options);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Key/value access in the current batch. get returns false when the key is absent.
  bool get(std::string_view key, std::string& value);
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  // Visits the keys in [from, to) in order, as the current batch sees them, until `visit`
  // returns false. `visit` must not write to the store; collect keys and write afterwards.
  void scan(std::string_view from, std::string_view to,
            const std::function<bool(std::string_view key, std::string_view value)>& visit);
  // Adjusts the committed group count (see estimated_groups) with this batch.
  void add_groups(int64_t delta);

  // Adds an alert to the outbox, in the current batch. Staging an id that is already in
  // the outbox replaces its document and keeps its place.
  void stage_alert(const OutboxEntry& entry);
  // The outbox entry of an alert as the current batch sees it; false when there is none.
  bool find_alert(std::string_view alert_id, OutboxEntry& out);
  // Removes an alert from the outbox, in the current batch; unknown ids are ignored.
  void stage_remove_alert(std::string_view alert_id);
  // Records that records up to and including `offset` of stream/partition are applied.
  void stage_offset(std::string_view stream, int32_t partition, int64_t offset);
  // Records, with the current batch, that the store holds `changelog` up to `offset`.
  void stage_checkpoint(std::string_view changelog, int64_t offset);

  // The current batch's changes as the changelog carries them: every key written or
  // erased (value null), once each with its final value, in key order; local-only keys
  // are left out. Returns how many it visited.
  size_t visit_changes(
      const std::function<void(std::string_view key, const std::string_view* value)>& visit);

  // Writes the current batch atomically (and durably when sync); clears it. On failure the
  // batch is kept so the caller can retry or stop; nothing of it is visible.
  rocksdb::Status commit_batch();
  // Drops the current batch uncommitted.
  void discard_batch();

  // Last applied offset of stream/partition (committed batches only), or -1.
  int64_t applied_offset(std::string_view stream, int32_t partition) const;

  // The partition's stream time (the newest event time applied), kept with the state and
  // carried by the changelog, so a partition that moves or is reopened keeps its time.
  // Records it with the current batch.
  void stage_stream_time(int64_t ms);
  // As of the last commit; nullopt when none was ever recorded.
  std::optional<int64_t> stream_time() const;

  // Committed outbox entries, oldest first.
  std::vector<OutboxEntry> pending_alerts() const;
  // How many there are (kept in memory: no read).
  size_t pending_alert_count() const;

  // The committed checkpoint: false when there is none.
  bool checkpoint(std::string& changelog, int64_t& offset) const;
  // Restoration: writes changes read from the changelog (value nullopt = erased) and the
  // checkpoint they reach, atomically, outside any batch (which must be empty).
  struct Change {
    std::string key;
    std::optional<std::string> value;
  };
  rocksdb::Status restore(const std::vector<Change>& changes, std::string_view changelog,
                          int64_t offset);
  // Deletes everything (a store that does not match its changelog); throws on failure.
  void wipe();

  // The number of rule groups as of the last commit (for the state-size metric).
  uint64_t estimated_groups() const;
  // RocksDB's estimate of the live data size on disk, in bytes.
  uint64_t estimated_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klaxon
