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

PipelineProbe::PipelineProbe(Registry& r)
    : ConsumerProbe(r),
      events_replayed(counter(r, "klaxon_events_replayed_total",
                              "Redelivered records whose effects were already applied, skipped")),
      events_skipped(counter(r, "klaxon_events_skipped_total",
                             "Records skipped: written before run --from TIME, on a first start",
                             {{"reason", "before_from"}})),
      matches_dropped(counter(r, "klaxon_matches_dropped_total",
                              "Matches not applied: their rule is no longer loaded",
                              {{"reason", "rule_unknown"}})),
      alerts_too_old_to_notify(
          counter(r, "klaxon_alerts_not_notified_total",
                  "Alerts written to the alerts topic but not sent to channels",
                  {{"reason", "older_than_max_notify_age"}})),
      alerts_delivered(counter(r, "klaxon_alerts_delivered_total",
                               "Alerts acknowledged by the alerts topic", {{"result", "ok"}})),
      alerts_delivery_failed(counter(r, "klaxon_alerts_delivered_total",
                                     "Alerts acknowledged by the alerts topic",
                                     {{"result", "error"}})),
      outbox_pending(gauge(r, "klaxon_alert_outbox_pending",
                           "Alerts decided but not yet acknowledged by the alerts topic")),
      outbox_readback_incomplete(
          counter(r, "klaxon_alert_outbox_readback_incomplete_total",
                  "Outbox read-backs that could not tell which alerts the topic has")),
      alerts_fenced(counter(r, "klaxon_alerts_fenced_total",
                            "Alerts not published because the group had removed this pod; "
                            "left in the outbox for their partition's next owner")),
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
      rules_swap(BuildHistogram()
                     .Name("klaxon_rules_swap_seconds")
                     .Help("Pause of the consuming thread to take a reloaded rule set")
                     .Register(r)
                     .Add({}, latency_buckets())),
      matches_family_(
          BuildCounter().Name("klaxon_rule_matches_total").Help("Matches by rule").Register(r)),
      emitted_family_(BuildCounter()
                          .Name("klaxon_alerts_emitted_total")
                          .Help("Alerts decided, by rule")
                          .Register(r)),
      suppressed_family_(BuildCounter()
                             .Name("klaxon_alerts_suppressed_total")
                             .Help("Matches suppressed inside a rule's realert window, by rule")
                             .Register(r)) {}

void PipelineProbe::set_rules(const std::vector<std::string>& rule_names) {
  use_rules(resolve_rules(rule_names));
}

PipelineProbe::RuleCounters PipelineProbe::resolve_rules(
    const std::vector<std::string>& rule_names) {
  RuleCounters c;
  for (const auto& name : rule_names) {
    c.matches.push_back(&matches_family_.Add({{"rule", name}}));
    c.emitted.push_back(&emitted_family_.Add({{"rule", name}}));
    c.suppressed.push_back(&suppressed_family_.Add({{"rule", name}}));
  }
  return c;
}

void PipelineProbe::use_rules(RuleCounters counters) {
  rule_matches = std::move(counters.matches);
  alerts_emitted = std::move(counters.emitted);
  alerts_suppressed = std::move(counters.suppressed);
  rules_loaded.Set(static_cast<double>(rule_matches.size()));
}

}  // namespace klaxon
