// Changelog: each state store's backup in Kafka, as Kafka Streams keeps it. Every state
// partition's store has a partition of the same number in the compacted changelog topic
// (`<group>-rules-changelog`); every batch committed to the store is first produced there.
//
// A batch on the changelog is its changed keys (value = the store's value, or null where a
// key was erased, so compaction drops it), then a commit marker (kMarkerKey). The store
// records in its own commit which changelog offset it reached (its checkpoint), so:
//   - a pod that gets a partition it had before replays only the changelog's tail;
//   - a pod that never had it (or whose copy belongs to another changelog, or is older
//     than the changelog still holds) wipes its copy and restores from the beginning;
//   - a batch whose marker never made it (its writer died) is not applied if it is the
//     tail; the next owner reprocesses the same input and writes those keys again after
//     it, so in the middle of the log the later values win when the log is replayed.
// Pure batch encoding here; reading goes through source/TopicReader.
// Thread: a ChangelogWriter and restore_store() on the pipeline thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "source/acked_writer.h"
#include "source/record_reader.h"
#include "state/state_store.h"

namespace klaxon {

inline constexpr std::string_view kMarkerKey = std::string_view("\0klaxon.commit", 14);

class ChangelogWriter {
 public:
  ChangelogWriter(RecordSink& producer, std::string topic) : writer_(producer, std::move(topic)) {}

  // Produces `store`'s current batch to `partition`: the changed keys, then a marker.
  // Returns the number of records sent (0: the batch changes nothing; no marker either).
  size_t send(StateStore& store, int32_t partition);
  // Waits for everything sent (see AckedWriter::wait).
  bool wait(std::chrono::milliseconds timeout, std::string& error) {
    return writer_.wait(timeout, error);
  }
  // After wait(): the offset of the newest marker acknowledged on `partition`, or -1.
  int64_t marker_offset(int32_t partition) const { return writer_.last_offset(partition); }
  const std::string& topic() const { return writer_.topic(); }
  uint64_t records_sent() const { return records_; }

 private:
  AckedWriter writer_;
  uint64_t records_ = 0;
};

struct RestoreOptions {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // librdkafka properties (SASL/SSL, ...)
  std::string topic;                              // the changelog topic
  int32_t partition = 0;
  std::string identity;  // names this changelog partition in the checkpoint (cluster/topic/p)
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds progress_interval{5000};
  OpenReader open_reader;  // null: Kafka's TopicReader
};

struct RestoreProgress {
  int64_t from = 0;      // first changelog offset read
  int64_t end = 0;       // the partition's end when restoring began
  int64_t position = 0;  // next offset to read
  uint64_t records = 0;  // read so far
  uint64_t batches = 0;  // complete batches applied so far
  bool wiped = false;    // the local copy did not match and was dropped
  bool done = false;
};

// Brings `store` up to date with its changelog partition. Calls `progress` now and then
// and once at the end. Throws std::runtime_error when Kafka or the store fails.
RestoreProgress restore_store(StateStore& store, const RestoreOptions& options,
                              const std::function<void(const RestoreProgress&)>& progress);

}  // namespace klaxon
