#include "metrics/consumer_probe.h"

#include <spdlog/spdlog.h>

namespace klaxon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::Registry;

namespace {
prometheus::Counter& counter(Registry& r, const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {}) {
  return BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}
}  // namespace

const std::vector<double>& ConsumerProbe::latency_buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,      2.5,   5,    10,    30,   60};
  return b;
}

ConsumerProbe::ConsumerProbe(Registry& r)
    : events_consumed(counter(r, "klaxon_events_consumed_total", "Records read from Kafka")),
      dead_letters(
          counter(r, "klaxon_dead_letters_total", "Records acknowledged by the dead-letter topic")),
      commits_ok(counter(r, "klaxon_offset_commits_total", "Offset commits", {{"result", "ok"}})),
      commits_failed(
          counter(r, "klaxon_offset_commits_total", "Offset commits", {{"result", "error"}})),
      partitions_assigned(counter(r, "klaxon_partitions_assigned_total",
                                  "Partitions assigned to this consumer by rebalances")),
      partitions_revoked(counter(r, "klaxon_partitions_revoked_total",
                                 "Partitions revoked from this consumer by rebalances")),
      invalid_family_(BuildCounter()
                          .Name("klaxon_events_invalid_total")
                          .Help("Records that could not be decoded, by reason")
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

prometheus::Counter& ConsumerProbe::invalid(std::string_view reason) {
  auto it = invalid_.find(reason);
  if (it != invalid_.end()) return *it->second;
  auto* c = &invalid_family_.Add({{"reason", std::string(reason)}});
  invalid_.emplace(std::string(reason), c);
  return *c;
}

prometheus::Gauge& ConsumerProbe::consumer_lag(const std::string& topic, int32_t partition) {
  return lag_family_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
}

void ConsumerProbe::commit_reported(bool ok, const std::string& error) {
  if (ok) {
    commits_ok.Increment();
    return;
  }
  commits_failed.Increment();
  // Typically REBALANCE_IN_PROGRESS: the records are redelivered (and, in klaxon run,
  // skipped as applied).
  spdlog::warn("offset commit failed: {}", error);
}

void ConsumerProbe::lag_reported(const std::string& topic, int32_t partition, int64_t lag) {
  consumer_lag(topic, partition).Set(static_cast<double>(lag));
}

bool ConsumerProbe::error_reported(const std::string& error, bool fatal) {
  if (fatal)
    spdlog::critical("Kafka consumer: fatal error: {}; stopping", error);
  else
    spdlog::warn("Kafka consumer: {}", error);
  return fatal;
}

}  // namespace klaxon
