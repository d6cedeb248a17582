#include "metrics/pipeline_probe.h"

namespace klaxon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Registry;

namespace {
prometheus::Counter& counter(Registry& r, const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {}) {
  return BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}
prometheus::Gauge& gauge(Registry& r, const std::string& name, const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

const std::vector<double>& PipelineProbe::latency_buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1,     2.5,  5,     10,   30, 60};
  return b;
}

PipelineProbe::PipelineProbe(Registry& r)
    : events_consumed(counter(r, "klaxon_events_consumed_total", "Records read from Kafka")),
      events_replayed(counter(r, "klaxon_events_replayed_total",
                              "Redelivered records whose effects were already applied, skipped")),
      dead_letters(counter(r, "klaxon_dead_letters_total",
                           "Invalid records acknowledged by the dead-letter topic")),
      alerts_delivered(counter(r, "klaxon_alerts_delivered_total",
                               "Alerts acknowledged by the alerts topic", {{"result", "ok"}})),
      alerts_delivery_failed(counter(r, "klaxon_alerts_delivered_total",
                                     "Alerts acknowledged by the alerts topic",
                                     {{"result", "error"}})),
      commits_ok(counter(r, "klaxon_offset_commits_total", "Offset commits", {{"result", "ok"}})),
      commits_failed(
          counter(r, "klaxon_offset_commits_total", "Offset commits", {{"result", "error"}})),
      partitions_assigned(counter(r, "klaxon_partitions_assigned_total",
                                  "Partitions assigned to this consumer by rebalances")),
      partitions_revoked(counter(r, "klaxon_partitions_revoked_total",
                                 "Partitions revoked from this consumer by rebalances")),
      outbox_pending(gauge(r, "klaxon_alert_outbox_pending",
                           "Alerts decided but not yet acknowledged by the alerts topic")),
      rules_loaded(gauge(r, "klaxon_rules_loaded", "Rules in the active rule set")),
      state_groups(gauge(r, "klaxon_state_groups", "Dedup groups in the state store (estimate)")),
      processing_latency(
          BuildHistogram()
              .Name("klaxon_processing_latency_seconds")
              .Help("From the record's Kafka timestamp until its effects are durable")
              .Register(r)
              .Add({}, latency_buckets())),
      batch_duration(BuildHistogram()
                         .Name("klaxon_batch_duration_seconds")
                         .Help("One poll, process and commit cycle")
                         .Register(r)
                         .Add({}, latency_buckets())),
      invalid_family_(BuildCounter()
                          .Name("klaxon_events_invalid_total")
                          .Help("Records that could not be decoded, by reason")
                          .Register(r)),
      matches_family_(
          BuildCounter().Name("klaxon_rule_matches_total").Help("Matches by rule").Register(r)),
      emitted_family_(BuildCounter()
                          .Name("klaxon_alerts_emitted_total")
                          .Help("Alerts decided, by rule")
                          .Register(r)),
      suppressed_family_(BuildCounter()
                             .Name("klaxon_alerts_suppressed_total")
                             .Help("Matches suppressed inside a rule's realert window, by rule")
                             .Register(r)),
      lag_family_(BuildGauge()
                      .Name("klaxon_consumer_lag")
                      .Help("Records behind the partition's end, per assigned partition")
                      .Register(r)) {
  BuildGauge()
      .Name("klaxon_build_info")
      .Help("Build information")
      .Register(r)
      .Add({{"version", "0.1.0"}})
      .Set(1);
}

prometheus::Counter& PipelineProbe::invalid(std::string_view reason) {
  auto it = invalid_.find(reason);
  if (it != invalid_.end()) return *it->second;
  auto* c = &invalid_family_.Add({{"reason", std::string(reason)}});
  invalid_.emplace(std::string(reason), c);
  return *c;
}

prometheus::Gauge& PipelineProbe::consumer_lag(const std::string& topic, int32_t partition) {
  return lag_family_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
}

void PipelineProbe::set_rules(const std::vector<std::string>& rule_names) {
  rule_matches.clear();
  alerts_emitted.clear();
  alerts_suppressed.clear();
  for (const auto& name : rule_names) {
    rule_matches.push_back(&matches_family_.Add({{"rule", name}}));
    alerts_emitted.push_back(&emitted_family_.Add({{"rule", name}}));
    alerts_suppressed.push_back(&suppressed_family_.Add({{"rule", name}}));
  }
  rules_loaded.Set(static_cast<double>(rule_names.size()));
}

}  // namespace klaxon
