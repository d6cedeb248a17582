// StatePartitions: the state partitions this process owns, Kafka Streams style. Partition p
// of the repartition topic is state partition p: when it is assigned, its StateStore opens
// under state_dir/<group>/rules/<p> and is brought up to date from partition p of the
// changelog topic (only the tail when the local copy is current) before any of its records
// is processed; when it is revoked, the store closes and stays on disk for a later return.
//
// commit() makes a batch durable for every owned partition, in this order:
//   1. the tasks' group state goes into their stores' batches (with applied offsets and
//      outbox entries, and removals of alerts delivered since the last batch);
//   2. each batch's changes are produced to its changelog partition, then a marker, and
//      awaited (acknowledged by Kafka);
//   3. each store commits its batch with the changelog offset it reached (its checkpoint).
// Only then may the caller publish the new alerts and store the input offsets.
//
// Thread: the pipeline thread (open/close run inside the consumer's rebalance callback).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/state_task.h"
#include "metrics/state_probe.h"
#include "state/changelog.h"

namespace klaxon {

// The target name of the alerts topic in StatePartitions::delivered (channels have names).
inline const std::string kAlertsTopicTarget;

struct StatePartitionsOptions {
  std::string state_dir;
  std::string group;
  bool sync = true;
  bool changelog = true;
  std::string changelog_topic;
  std::string cluster_id;  // part of each store's checkpoint: a store follows one cluster
  RestoreOptions restore;  // bootstrap, properties, topic; partition set per partition
  StateTaskOptions task;   // partition set per partition
  std::chrono::milliseconds flush_timeout{30000};
  size_t memory_bytes = 128 << 20;  // RocksDB cache and memtables, all partitions together
};

class StatePartitions {
 public:
  StatePartitions(StatePartitionsOptions options, RecordSink& producer, StateProbe& probe,
                  StateTask::Listener listener);
  ~StatePartitions();

  // Opens (and restores) partition p. Throws std::runtime_error when it cannot.
  void open(int32_t p, const RulesByStateId* rules, const RulesByStateId* retired = nullptr);
  // Closes p; its uncommitted batch must have been committed or discarded.
  void close(int32_t p);
  StateTask* task(int32_t p);
  std::vector<int32_t> owned() const;
  void use_rules(const RulesByStateId* rules, const RulesByStateId* retired = nullptr);

  // An alert of partition p was taken by `target` (the alerts topic, kAlertsTopicTarget, or
  // a channel's name, also when it was dead-lettered for that channel): with the next
  // commit the outbox forgets that target, and the alert once no target is left.
  void delivered(int32_t p, const std::string& alert_id, const std::string& target);
  // Outbox entries of partition `p` still due on the alerts topic: committed as pending and
  // not acknowledged since (an acknowledgement is staged until the next commit, and
  // sending such an entry again would put it on the topic twice).
  std::vector<OutboxEntry> awaiting_topic(int32_t p) const;
  bool has_deliveries() const;
  // Steps 1-3 above. Returns the alerts that entered the outboxes, by partition. Throws
  // std::runtime_error when a changelog or a store cannot be written: nothing of the
  // batch is then committed and the caller must stop.
  std::vector<std::pair<int32_t, OutboxEntry>> commit();
  void discard();
  // Sum over the owned stores.
  uint64_t groups() const;
  uint64_t bytes() const;

 private:
  struct Partition {
    std::unique_ptr<StateStore> store;
    std::unique_ptr<StateTask> task;
    std::vector<std::pair<std::string, std::string>> delivered;  // alert id, target
  };

  StatePartitionsOptions options_;
  RecordSink& producer_;
  StateProbe& probe_;
  StateTask::Listener listener_;
  StoreMemory memory_;  // shared by the partitions' stores
  std::unique_ptr<ChangelogWriter> changelog_;
  std::map<int32_t, Partition> partitions_;
};

}  // namespace klaxon
