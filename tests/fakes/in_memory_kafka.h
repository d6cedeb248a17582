// In-memory stand-ins for the engine's I/O interfaces (engine/source/record_*.h), for the
// broker-free topology driver: topics as vectors, a consumer group whose assignments the test
// hands out, a sink whose acknowledgements the test can hold back or fail, and a manual clock.
// They model what the engine relies on from Kafka (ordered partitions, offsets, committed
// offsets per group, per-record acknowledgements), not Kafka's timing or protocol.
//
// Thread: one thread (the test's), like the pipeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "source/record_reader.h"
#include "source/record_sink.h"
#include "source/record_source.h"

namespace klaxon::fakes {

struct StoredRecord {
  std::string key;
  std::string value;
  bool tombstone = false;
  int64_t timestamp_ms = -1;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The cluster: topics, their partitions, and what each group committed.
class InMemoryKafka {
 public:
  void create_topic(const std::string& topic, int partitions);
  bool has_topic(const std::string& topic) const { return topics_.count(topic) > 0; }
  int partitions(const std::string& topic) const;
  // Appends; returns the record's offset.
  int64_t append(const std::string& topic, int32_t partition, StoredRecord record);
  const std::vector<StoredRecord>& log(const std::string& topic, int32_t partition) const;
  int64_t end(const std::string& topic, int32_t partition) const {
    return static_cast<int64_t>(log(topic, partition).size());
  }
  // Which member of `group` holds `tp` (null: none); FakeSource keeps it.
  const void*& owner(const std::string& group, const TopicPartition& tp) {
    return owners_[group][tp];
  }
  // -1 when the group never committed the partition.
  int64_t committed(const std::string& group, const TopicPartition& tp) const;
  void commit(const std::string& group, const TopicPartition& tp, int64_t next_offset);

 private:
  std::map<std::string, std::vector<std::vector<StoredRecord>>> topics_;
  std::map<std::string, std::map<TopicPartition, int64_t>> committed_;
  std::map<std::string, std::map<TopicPartition, const void*>> owners_;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wall_ms) : wall_ms_(wall_ms) {}
  int64_t wall_ms() const override { return wall_ms_; }
  std::chrono::steady_clock::time_point steady() const override { return steady_; }
  void advance(std::chrono::milliseconds by) {
    wall_ms_ += by.count();
    steady_ += by;
  }

 private:
  int64_t wall_ms_;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1)};
};

// Produces into the cluster. Records are written and acknowledged when the engine polls or
// flushes, unless held back (hold()), or failed (fail_next()).
class FakeSink final : public RecordSink {
 public:
  // Records are stamped with `clock`'s wall time when written, as brokers stamp CreateTime.
  FakeSink(InMemoryKafka& kafka, const Clock& clock) : kafka_(kafka), clock_(clock) {}

  bool produce(std::string_view topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, DeliveryFn on_delivery, std::string* error,
               int32_t partition = kAnyPartition) override;
  void poll(std::chrono::milliseconds timeout) override;
  bool flush(std::chrono::milliseconds timeout) override;
  int in_flight() const override { return static_cast<int>(queued_.size()); }
  void drop_callbacks() override { callbacks_dropped_ = true; }

  // Records of `topic` produced and not yet written.
  size_t queued(const std::string& topic) const {
    size_t n = 0;
    for (const Queued& q : queued_) n += q.topic == topic;
    return n;
  }
  // While held, nothing is written or acknowledged (a broker that does not answer).
  void hold(bool held) { held_ = held; }
  // The next `n` records fail with `error` (not written).
  void fail_next(int n, std::string error) {
    failures_ = n;
    failure_ = std::move(error);
  }
  // A crash: what was queued and not acknowledged is written (`written`: the broker had it)
  // or lost, and no callback runs.
  void crash(bool written);

 private:
  struct Queued {
    std::string topic;
    int32_t partition;
    StoredRecord record;
    DeliveryFn on_delivery;
  };
  void deliver(Queued& q);

  InMemoryKafka& kafka_;
  const Clock& clock_;
  std::deque<Queued> queued_;
  bool held_ = false;
  bool callbacks_dropped_ = false;
  int failures_ = 0;
  std::string failure_;
};

// One member of a group. Partitions come and go when the test says (assign(), revoke(),
// lose()), at the member's next poll, as librdkafka hands them over inside its poll.
class FakeSource final : public RecordSource {
 public:
  FakeSource(InMemoryKafka& kafka, std::string group, ConsumerListener& listener)
      : kafka_(kafka), group_(std::move(group)), listener_(listener) {}

  // Applied in the order given. A partition is given to one member of a group at a time:
  // assigning one that a live member holds throws (take it back first, or crash that one).
  void assign(std::vector<TopicPartition> parts) {
    rebalances_.push_back({Kind::assign, std::move(parts)});
  }
  void revoke(std::vector<TopicPartition> parts) {
    rebalances_.push_back({Kind::revoke, std::move(parts)});
  }
  void lose(std::vector<TopicPartition> parts) {
    rebalances_.push_back({Kind::lose, std::move(parts)});
  }
  // Stored offsets are committed at every poll (a commit interval of zero) unless off.
  void set_auto_commit(bool on) { auto_commit_ = on; }
  void set_fenced(bool fenced) { fenced_ = fenced; }
  // A SIGKILL: close() commits nothing and calls no listener.
  void crash();
  ~FakeSource() override { release(assigned_); }
  const std::set<TopicPartition>& assigned() const { return assigned_; }

  void poll_batch(size_t max, std::chrono::milliseconds timeout, RecordBatch& out) override;
  void store_offsets(const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) override;
  Membership confirm_membership(std::chrono::milliseconds) override {
    return fenced_ ? Membership::fenced : Membership::confirmed;
  }
  void close() override;
  bool caught_up() const override;
  size_t set_paused(bool) override { return assigned_.size(); }
  std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& parts,
                                              std::chrono::milliseconds) override;

 private:
  void commit_stored(const std::vector<TopicPartition>& parts);
  void apply_rebalances();

  InMemoryKafka& kafka_;
  std::string group_;
  ConsumerListener& listener_;
  enum class Kind { assign, revoke, lose };
  struct Rebalance {
    Kind kind;
    std::vector<TopicPartition> parts;
  };
  void release(const std::set<TopicPartition>& parts);
  std::deque<Rebalance> rebalances_;
  std::set<TopicPartition> assigned_;
  std::map<TopicPartition, int64_t> position_, stored_;
  bool auto_commit_ = true, fenced_ = false, crashed_ = false, closed_ = false;
};

// Reads a topic of the cluster, as TopicReader reads Kafka.
class FakeReader final : public RecordReader {
 public:
  FakeReader(const InMemoryKafka& kafka, const TopicReaderOptions& options);
  bool next(RecordBatch& out, size_t max) override;
  bool caught_up() const override { return done_; }
  uint64_t total() const override { return total_; }
  int time_lookup_misses() const override { return misses_; }
  const std::map<int32_t, Watermarks>& all_watermarks() const override { return watermarks_; }

  static OpenReader opener(const InMemoryKafka& kafka);

 private:
  const InMemoryKafka& kafka_;
  std::string topic_;
  std::map<int32_t, std::pair<int64_t, int64_t>> ranges_;  // partition -> [next, end)
  std::map<int32_t, Watermarks> watermarks_;
  uint64_t total_ = 0;
  int misses_ = 0;
  bool done_ = false;
};

}  // namespace klaxon::fakes
