// PipelineProbe: the engine's Prometheus metrics (the consumer's, see ConsumerProbe, and
// those of matching, state and alerts), resolved once so the hot path only adds
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

#include "metrics/consumer_probe.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

class PipelineProbe : public ConsumerProbe {
 public:
  explicit PipelineProbe(prometheus::Registry& registry);

  // Re-resolves the per-rule counters for the loaded rules (index = rule index).
  void set_rules(const std::vector<std::string>& rule_names);

  // set_rules in two steps, so that a reload resolves its thousands of labelled counters
  // off the consuming thread: resolve_rules may run on any thread (prometheus-cpp's
  // families are thread-safe); use_rules then only swaps vectors.
  struct RuleCounters {
    std::vector<prometheus::Counter*> matches, emitted, suppressed;
  };
  RuleCounters resolve_rules(const std::vector<std::string>& rule_names);
  void use_rules(RuleCounters counters);

  prometheus::Counter& events_replayed;  // redelivered records already applied, skipped
  prometheus::Counter& events_skipped;   // before run --from TIME, on a first start
  // Matches whose rule neither the active set nor a recently retired one has (a rule
  // removed longer ago than the retired sets are kept, or before a restart).
  prometheus::Counter& matches_dropped;
  // Alerts fired too far behind the wall clock (alert.max_notify_age) for their channels.
  prometheus::Counter& alerts_too_old_to_notify;
  prometheus::Counter& alerts_delivered;
  prometheus::Counter& alerts_delivery_failed;
  prometheus::Gauge& outbox_pending;
  // Outbox read-backs that could not tell which alerts the topic already has (an error,
  // or the bound on records read): those alerts are sent again, under their ids.
  prometheus::Counter& outbox_readback_incomplete;
  // Alerts not published because the group no longer counted this pod as their partition's
  // owner (it stalled and was removed): left in the outbox for the partition's next owner.
  prometheus::Counter& alerts_fenced;
  prometheus::Gauge& rules_loaded;
  prometheus::Gauge& state_groups;
  prometheus::Histogram& processing_latency;  // Kafka timestamp -> effects durable, seconds
  prometheus::Histogram& batch_duration;      // one poll-process-commit cycle, seconds
  // The consuming thread's pause to take a newly compiled rule set (state commit and
  // swap; the compile itself runs on the reloader's thread), seconds.
  prometheus::Histogram& rules_swap;

  std::vector<prometheus::Counter*> rule_matches;
  std::vector<prometheus::Counter*> alerts_emitted;
  std::vector<prometheus::Counter*> alerts_suppressed;

 private:
  prometheus::Family<prometheus::Counter>& matches_family_;
  prometheus::Family<prometheus::Counter>& emitted_family_;
  prometheus::Family<prometheus::Counter>& suppressed_family_;
};

}  // namespace klaxon
