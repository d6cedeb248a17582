// StateProbe: metrics of the partitioned state: partitions owned, restoration progress,
// changelog and repartition traffic, and the state's size.
// Thread: the pipeline thread updates it; the metrics server reads it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>

namespace klaxon {

class StateProbe {
 public:
  explicit StateProbe(prometheus::Registry& registry);

  prometheus::Gauge& partitions_owned;
  prometheus::Gauge& state_bytes;
  prometheus::Counter& changelog_records;
  prometheus::Counter& repartition_records;
  prometheus::Counter& restored_records;
  prometheus::Counter& restores;
  prometheus::Counter& stores_wiped;
  // Records still to replay, per partition being restored (0 when done).
  prometheus::Gauge& restore_remaining(int32_t partition);

 private:
  prometheus::Family<prometheus::Gauge>& remaining_family_;
};

}  // namespace klaxon
