// RecordSource: what the engine reads from, as a member of a consumer group: batches of
// records, the partitions it is given and taken (reported to a ConsumerListener inside
// poll_batch() and close()), and the offsets it stores once their effects are durable.
// KafkaConsumer is the production source; tests may use an in-memory one.
//
// Thread: all calls from one thread; the listener is called on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "source/record.h"

namespace klaxon {

struct TopicPartition {
  std::string topic;
  int32_t partition;
  auto operator<=>(const TopicPartition&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 on a defaulted <=>
};

// What a source reports; implemented by the app to log and update metrics.
class ConsumerListener {
 public:
  virtual ~ConsumerListener() = default;
  // Before any record of these partitions is handed out.
  virtual void on_assigned(const std::vector<TopicPartition>&) {}
  // Before the partitions are committed and unassigned: offsets stored now go with the
  // hand-over. lost: the partitions were lost (session timeout), nothing is committed.
  virtual void on_revoked(const std::vector<TopicPartition>&, bool /*lost*/) {}
  virtual void on_commit(bool /*ok*/, const std::string& /*error*/) {}
  virtual void on_lag(const std::string& /*topic*/, int32_t /*partition*/, int64_t /*lag*/) {}
  virtual void on_error(const std::string& /*error*/, bool /*fatal*/) {}
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // Appends up to `max` records, waiting up to `timeout` for the first one. Never hands out
  // a record of a partition revoked meanwhile. Errors that are not records are reported to
  // the listener.
  virtual void poll_batch(size_t max, std::chrono::milliseconds timeout, RecordBatch& out) = 0;

  // Marks processing done up to (excluding) `next_offset` for each partition; committed
  // on the source's timer, with a revocation and on close().
  virtual void store_offsets(
      const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) = 0;

  // Whether the group still counts this member as the owner of its partitions. fenced: it
  // was removed (what it still holds must not be published); unknown: no answer.
  enum class Membership { confirmed, fenced, unknown };
  virtual Membership confirm_membership(std::chrono::milliseconds timeout) = 0;

  // Commits stored offsets and leaves the group. Idempotent.
  virtual void close() = 0;

  // True when partitions are assigned and every one has been read to its end. False while
  // joining the group or catching up.
  virtual bool caught_up() const = 0;

  // Stops (true) or restarts (false) fetching from every assigned partition, for
  // backpressure. Partitions assigned later start unpaused. Returns how many it applied to.
  virtual size_t set_paused(bool paused) = 0;

  // The group's committed offsets of `parts` (-1 where none was committed: a first start).
  // Throws std::runtime_error when the group's coordinator does not answer within `timeout`.
  virtual std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& parts,
                                                      std::chrono::milliseconds timeout) = 0;
};

}  // namespace klaxon
