#include "metrics/sink_probe.h"

#include "metrics/consumer_probe.h"

namespace klaxon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

namespace {
prometheus::Family<prometheus::Counter>& documents(prometheus::Registry& r) {
  return BuildCounter()
      .Name("klaxon_es_documents_total")
      .Help("Documents done with: indexed by Elasticsearch, or dead-lettered (refused for good)")
      .Register(r);
}
prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return BuildGauge().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

SinkProbe::SinkProbe(prometheus::Registry& r)
    : indexed(documents(r).Add({{"result", "indexed"}})),
      dead_lettered(documents(r).Add({{"result", "dead_lettered"}})),
      retries(BuildCounter()
                  .Name("klaxon_es_retries_total")
                  .Help("Documents sent again after a transient failure (429, 5xx, connection)")
                  .Register(r)
                  .Add({})),
      request_seconds(prometheus::BuildHistogram()
                          .Name("klaxon_es_bulk_request_seconds")
                          .Help("One _bulk request, sent to answered")
                          .Register(r)
                          .Add({}, ConsumerProbe::latency_buckets())),
      in_flight(gauge(r, "klaxon_es_requests_in_flight", "_bulk requests awaiting an answer")),
      paused_partitions(gauge(r, "klaxon_es_paused_partitions",
                              "Partitions paused because Elasticsearch is behind")),
      buffered_bytes(gauge(r, "klaxon_es_buffered_bytes",
                           "Document bytes read from Kafka and not yet indexed")),
      failures_(BuildCounter()
                    .Name("klaxon_es_failures_total")
                    .Help("Failed attempts by reason: item error types and whole-request failures")
                    .Register(r)) {}

prometheus::Counter& SinkProbe::failure(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_reason_.find(reason);
  if (it != by_reason_.end()) return *it->second;
  auto* c = &failures_.Add({{"reason", std::string(reason)}});
  by_reason_.emplace(std::string(reason), c);
  return *c;
}

}  // namespace klaxon
