// RulesProbe: the Prometheus metrics of live rule reloading (see match/rules_reloader.h),
// resolved once. The active set's size stays PipelineProbe's `klaxon_rules_loaded`.
//
//   klaxon_rules_reload_total{result="ok|error|unchanged"}   reload attempts after start
//   klaxon_rules_compile_seconds        histogram: load + compile of each set, at start too
//   klaxon_rules_last_reload_success_timestamp_seconds       Unix time a set was last published
//   klaxon_rules_last_reload_failed     1 while the newest files on disk failed to load
//   klaxon_rules_generation             increments with each published set (1: the first)
//
// Thread: the reloader's thread updates it; civetweb threads read it (prometheus-cpp is
// thread-safe for that). The registry must outlive the probe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <vector>

namespace klaxon {

class RulesProbe {
 public:
  explicit RulesProbe(prometheus::Registry& registry);

  prometheus::Counter& reload_ok;         // a new set was published
  prometheus::Counter& reload_error;      // the files failed to load or compile
  prometheus::Counter& reload_unchanged;  // the files hold what was already tried
  prometheus::Histogram& compile_seconds;
  prometheus::Gauge& last_success_timestamp;
  prometheus::Gauge& last_reload_failed;
  prometheus::Gauge& generation;

  // From 1 ms to 30 s: a handful of rules compile in milliseconds, thousands in seconds.
  static const std::vector<double>& compile_buckets();
};

}  // namespace klaxon
