// PipelineProbe: the engine's Prometheus metrics, resolved once so the hot path only adds
// to pre-looked-up counters (per batch, not per event, where it can).
//
// Names follow Prometheus conventions (klaxon_<what>_<unit>_total for counters); label sets
// are bounded: reason (fixed list), rule (the loaded rules), topic/partition (assigned).
// Thread: the pipeline thread updates it; civetweb threads read it (prometheus-cpp is
// thread-safe for that).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

class PipelineProbe {
 public:
  explicit PipelineProbe(prometheus::Registry& registry);

  // Re-resolves the per-rule counters for the loaded rules (index = rule index).
  void set_rules(const std::vector<std::string>& rule_names);

  prometheus::Counter& events_consumed;
  prometheus::Counter& events_replayed;  // redelivered records already applied, skipped
  prometheus::Counter& dead_letters;     // records acknowledged by the dead-letter topic
  prometheus::Counter& alerts_delivered;
  prometheus::Counter& alerts_delivery_failed;
  prometheus::Counter& commits_ok;
  prometheus::Counter& commits_failed;
  prometheus::Counter& partitions_assigned;
  prometheus::Counter& partitions_revoked;
  prometheus::Gauge& outbox_pending;
  prometheus::Gauge& rules_loaded;
  prometheus::Gauge& state_groups;
  prometheus::Histogram& processing_latency;  // Kafka timestamp -> effects durable, seconds
  prometheus::Histogram& batch_duration;      // one poll-process-commit cycle, seconds

  prometheus::Counter& invalid(std::string_view reason);
  prometheus::Gauge& consumer_lag(const std::string& topic, int32_t partition);

  std::vector<prometheus::Counter*> rule_matches;
  std::vector<prometheus::Counter*> alerts_emitted;
  std::vector<prometheus::Counter*> alerts_suppressed;

  static const std::vector<double>& latency_buckets();

 private:
  prometheus::Family<prometheus::Counter>& invalid_family_;
  prometheus::Family<prometheus::Counter>& matches_family_;
  prometheus::Family<prometheus::Counter>& emitted_family_;
  prometheus::Family<prometheus::Counter>& suppressed_family_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  std::map<std::string, prometheus::Counter*, std::less<>> invalid_;
};

}  // namespace klaxon
