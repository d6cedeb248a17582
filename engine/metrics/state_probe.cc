#include "metrics/state_probe.h"

#include <string>

namespace klaxon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

StateProbe::StateProbe(prometheus::Registry& r)
    : partitions_owned(BuildGauge()
                           .Name("klaxon_state_partitions")
                           .Help("State partitions owned by this process (stores open)")
                           .Register(r)
                           .Add({})),
      state_bytes(BuildGauge()
                      .Name("klaxon_state_bytes")
                      .Help("Live state on disk and in memtables, over the owned stores (estimate)")
                      .Register(r)
                      .Add({})),
      changelog_records(BuildCounter()
                            .Name("klaxon_changelog_records_total")
                            .Help("Records produced to the changelog topic (changes and markers)")
                            .Register(r)
                            .Add({})),
      repartition_records(BuildCounter()
                              .Name("klaxon_repartition_records_total")
                              .Help("Match records produced to the repartition topic")
                              .Register(r)
                              .Add({})),
      restored_records(BuildCounter()
                           .Name("klaxon_state_restored_records_total")
                           .Help("Changelog records replayed into state stores")
                           .Register(r)
                           .Add({})),
      restores(BuildCounter()
                   .Name("klaxon_state_restores_total")
                   .Help("State partitions opened and brought up to date from the changelog")
                   .Register(r)
                   .Add({})),
      stores_wiped(BuildCounter()
                       .Name("klaxon_state_stores_wiped_total")
                       .Help("Local stores dropped because they did not match the changelog")
                       .Register(r)
                       .Add({})),
      remaining_family_(BuildGauge()
                            .Name("klaxon_state_restore_remaining_records")
                            .Help("Changelog records left to replay, per partition restoring")
                            .Register(r)) {}

prometheus::Gauge& StateProbe::restore_remaining(int32_t partition) {
  return remaining_family_.Add({{"partition", std::to_string(partition)}});
}

}  // namespace klaxon
