// OffsetTracker: which offsets may be committed when documents finish out of order.
//
// Bulk requests run in parallel and retries finish late, so offset 7 may be indexed before
// offset 5. A partition's committable position is one past the longest finished prefix of
// what was read: committing it never skips a record whose document is still in flight.
// Thread: the consuming thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "source/consumer.h"  // TopicPartition

namespace klaxon {

class OffsetTracker {
 public:
  // A record was read (offsets of a partition arrive in increasing order).
  void read(const TopicPartition& tp, int64_t offset);
  // Its document was indexed or dead-lettered. Unknown offsets (a partition revoked
  // meanwhile) are ignored.
  void finish(const TopicPartition& tp, int64_t offset);
  // Forgets revoked partitions: their new owner reads the unfinished records again.
  void forget(const TopicPartition& tp) { partitions_.erase(tp); }

  // Next offsets to store for partitions whose committable position moved since the
  // last call.
  std::vector<std::pair<TopicPartition, int64_t>> take_committable();

  // Records read and not yet finished, over all partitions.
  size_t outstanding() const;

 private:
  struct Partition {
    std::deque<std::pair<int64_t, bool>> pending;  // offset, finished; increasing offsets
    int64_t committable = -1;                      // next offset to commit; -1 none yet
    bool moved = false;
  };
  std::map<TopicPartition, Partition> partitions_;
};

}  // namespace klaxon
