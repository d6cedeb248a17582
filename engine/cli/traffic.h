// Produces generated pay logs to Kafka at a steady rate (or as fast as possible).
// Used by `klaxon generate`, the demo and the benchmarks.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "gen/generator.h"
#include "source/producer.h"

namespace klaxon {

struct TrafficOptions {
  std::string topic = "pay_log_topic";
  int64_t count = 10'000;  // 0: until stopped
  double rate = 0;         // events per second; 0: as fast as possible
};

// Returns how many events were queued; waits for their acknowledgement before returning
// (up to 60 s). Stops early when `stop` becomes true.
uint64_t produce_traffic(Generator& generator, KafkaProducer& producer,
                         const TrafficOptions& options, const std::atomic<bool>& stop);

}  // namespace klaxon
